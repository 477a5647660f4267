// Every test runs with the network closed: nock intercepts HTTP (and native fetch); only loopback servers
// that a test starts itself are reachable.
import nock from 'nock';

nock.disableNetConnect();
nock.enableNetConnect(/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/);

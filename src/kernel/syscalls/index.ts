// Every syscall module registers its handlers when imported.
import './process.js';
import './namei.js';
import './read_write.js';
import './poll.js';
import './mm.js';
import '../../mm/memfd.js';
import './xattr.js';
import './timerfd.js';
import './cred.js';
import './info.js';
import './time.js';
import './signal.js';
import './signalfd.js';
import './pidfd.js';
import './futex.js';
import './socket.js';
import './mount.js';

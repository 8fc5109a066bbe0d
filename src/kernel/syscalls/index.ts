// Every syscall module registers its handlers when imported.
import './process.js';
import './namei.js';
import './read_write.js';
import './poll.js';
import './mm.js';
import '../../mm/memfd.js';
import './xattr.js';

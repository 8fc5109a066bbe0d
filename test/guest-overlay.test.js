// The differential suite again on tuml's default root (the overlay of the
// host's / under an in-memory layer) instead of the written-through host
// root: what a user of `tuml run` gets must behave as Linux does too.
process.env.TUML_GUEST_ROOT = 'overlay';
await import('./guest.test.js');

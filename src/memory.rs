//! Memory tuning: a few allocator arenas serve every thread, so the blocking pool's many short-lived threads do not each keep memory of their own.
//!
//! Password hashes (19 MiB each) run on the hash threads (`auth::hashing`),
//! which keep their argon2 memory: memory is bounded by the number of slots.

pub fn limit_allocator_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes an allocator tunable; it is called once at
    // start, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 4);
    }
}

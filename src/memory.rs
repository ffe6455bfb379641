//! Memory tuning: a few allocator arenas serve every thread, and large blocks always come from (and
//! go back to) the OS.
//!
//! Password hashes (19 MiB each) run on the hash threads (`auth::hashing`),
//! which keep their argon2 memory while busy and give it back when idle: RSS
//! is bounded by the number of slots during a flood and falls back after it.

#[allow(unsafe_code)] // the libc call below, with its SAFETY note
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes an allocator tunable; it is called once at
    // start, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 4);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 4 * 1024 * 1024);
    }
}

//! Memory tuning for a password-hashing server: each argon2 hash takes 19 MiB, and glibc would otherwise keep every freed one in a per-thread arena.

/// Large blocks always come from (and go back to) the OS, and a handful of
/// arenas serve all threads, so RSS falls back after a login flood instead of
/// growing with every blocking thread that ever hashed.
pub fn return_freed_memory_to_the_os() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tunables; it is called once at
    // start, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
        libc::mallopt(libc::M_ARENA_MAX, 4);
    }
}

//! Ports for child servers come from below the kernel's ephemeral range: a port from that range
//! (what binding port 0 hands out) can be taken at any moment as the source port of an outgoing
//! connection, and the child then fails with "Address already in use" (see scripts/free-port).

use std::net::TcpListener;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

const FLOOR: u32 = 10_000;

/// A loopback port nothing listens on now; never the same one twice in one process.
pub fn free_port() -> u16 {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let ceiling = ephemeral_low().max(FLOOR + 1_000);
    let span = ceiling - FLOOR;
    // Processes started together begin at different places in the span.
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let start = std::process::id().wrapping_mul(7_919).wrapping_add(nanos);
    let _ = NEXT.compare_exchange(0, start % span + 1, Ordering::Relaxed, Ordering::Relaxed);
    for _ in 0..span {
        let port = (FLOOR + NEXT.fetch_add(1, Ordering::Relaxed) % span) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free loopback port between {FLOOR} and {ceiling}");
}

fn ephemeral_low() -> u32 {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse().ok())
        .unwrap_or(32_768)
}

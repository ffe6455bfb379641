//! Drives N keep-alive connections, one thread each, for a fixed time and collects latencies.

use std::io;
use std::sync::Arc;
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use crate::client::Conn;
use crate::stats::Samples;

/// One virtual user: sends a request on its connection, says whether the answer was a 2xx.
pub type Step = Box<dyn FnMut(&mut Conn) -> io::Result<bool> + Send>;

pub struct Outcome {
    pub samples: Samples,
    pub rps: f64,
}

impl Outcome {
    pub fn of(per_user: Vec<Samples>, elapsed: Duration) -> Outcome {
        let samples = Samples::merge(per_user);
        Outcome {
            rps: samples.micros.len() as f64 / elapsed.as_secs_f64(),
            samples,
        }
    }
}

pub fn drive(port: u16, users: Vec<Step>, duration: Duration) -> Outcome {
    let (per_user, elapsed) = drive_each(port, users, duration);
    Outcome::of(per_user, elapsed)
}

/// Like `drive`, but keeps each user's samples apart.
pub fn drive_each(port: u16, users: Vec<Step>, duration: Duration) -> (Vec<Samples>, Duration) {
    let barrier = Arc::new(Barrier::new(users.len() + 1));
    let handles: Vec<_> = users
        .into_iter()
        .map(|mut step| {
            let barrier = barrier.clone();
            thread::spawn(move || {
                let mut conn = Conn::open(port).expect("connect");
                let mut samples = Samples::default();
                barrier.wait();
                let end = Instant::now() + duration;
                while Instant::now() < end {
                    let started = Instant::now();
                    let ok = match step(&mut conn) {
                        Ok(ok) => ok,
                        Err(_) => {
                            conn = Conn::open(port).expect("reconnect");
                            false
                        }
                    };
                    samples.record(started.elapsed(), ok);
                }
                samples
            })
        })
        .collect();
    barrier.wait();
    let started = Instant::now();
    let all: Vec<Samples> = handles
        .into_iter()
        .map(|h| h.join().expect("load thread"))
        .collect();
    (all, started.elapsed())
}

//! When a session's newest ids were issued: an id's issue time is part of it, so a replay that
//! rebuilds an old id's successors needs theirs. Kept in the session's row, a few at most.

/// When a session's newest ids were issued, oldest first: the time part of
/// each id, so a replayed id's successors can be rebuilt from it. Holds the
/// last `KEPT` generations; a session from before schema version 10 holds
/// none for ids issued before it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IssueTimes(Vec<i64>);

impl IssueTimes {
    /// Enough for the furthest replay the rules answer.
    pub const KEPT: usize = 4;

    /// A new session's: its first id issued at `now`.
    pub fn first(now: i64) -> IssueTimes {
        IssueTimes(vec![now])
    }

    /// After a rotation at `now`.
    pub fn after(&self, now: i64) -> IssueTimes {
        let skip = (self.0.len() + 1).saturating_sub(Self::KEPT);
        IssueTimes(self.0.iter().skip(skip).copied().chain([now]).collect())
    }

    /// When the id of `generation` was issued, in a session now at `current`;
    /// `None` for an id issued before times were kept (or too long ago).
    pub fn of(&self, generation: i64, current: i64) -> Option<i64> {
        let back = usize::try_from(current.checked_sub(generation)?).ok()?;
        let at = self.0.len().checked_sub(back + 1)?;
        self.0.get(at).copied()
    }

    /// How many bytes of the stored times a rotation keeps before it appends
    /// its own (`after`, done in SQL by PostgreSQL's `SessionTx::advance`).
    pub const BYTES_KEPT_BY_ROTATION: i32 = (Self::KEPT as i32 - 1) * 8;

    /// One time as stored: `to_bytes` of a single time.
    pub fn time_bytes(time: i64) -> [u8; 8] {
        time.to_be_bytes()
    }

    /// Stored as 8 big-endian bytes per time.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.iter().flat_map(|&t| Self::time_bytes(t)).collect()
    }

    pub fn from_bytes(bytes: Option<&[u8]>) -> IssueTimes {
        let chunks = bytes.unwrap_or_default().chunks_exact(8);
        IssueTimes(
            chunks
                .map(|c| i64::from_be_bytes(c.try_into().expect("8 bytes")))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_times_keep_the_newest_and_name_each_generation() {
        let mut times = IssueTimes::first(10);
        for now in [20, 30, 40, 50] {
            times = times.after(now);
        }
        assert_eq!(times, IssueTimes::from_bytes(Some(&times.to_bytes())));
        assert_eq!(times.of(4, 4), Some(50));
        assert_eq!(times.of(1, 4), Some(20));
        assert_eq!(times.of(0, 4), None, "only the newest are kept");
        assert_eq!(times.of(5, 4), None);
        assert_eq!(IssueTimes::from_bytes(None).of(0, 0), None);
    }
}

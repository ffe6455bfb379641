//! React Admin's list paging, shared by every list route: `_start`/`_end` become an offset and an
//! optional limit, and `_end` before `_start` is 422.

use crate::error::ApiError;

/// The query string as name/value pairs, repeated names kept.
pub fn pairs(query_string: &str) -> Result<Vec<(String, String)>, ApiError> {
    serde_urlencoded::from_str(query_string)
        .map_err(|e| ApiError::Invalid(format!("Invalid query string: {e}")))
}

#[derive(Default)]
pub struct Range {
    start: Option<u64>,
    end: Option<u64>,
}

impl Range {
    /// Takes `_start` or `_end`; false for any other name.
    pub fn take(&mut self, key: &str, value: &str) -> Result<bool, ApiError> {
        let slot = match key {
            "_start" => &mut self.start,
            "_end" => &mut self.end,
            _ => return Ok(false),
        };
        *slot = Some(value.parse().map_err(|_| {
            ApiError::Invalid(format!("{key} must be a whole number of 0 or more"))
        })?);
        Ok(true)
    }

    /// `(offset, limit)`; no `_end` means no limit.
    pub fn finish(self) -> Result<(u64, Option<u64>), ApiError> {
        let offset = self.start.unwrap_or(0);
        match self.end {
            Some(end) if end < offset => Err(ApiError::Invalid(
                "_end must not be less than _start".into(),
            )),
            Some(end) => Ok((offset, Some(end - offset))),
            None => Ok((offset, None)),
        }
    }
}

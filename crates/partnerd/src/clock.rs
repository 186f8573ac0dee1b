//! Calendar formatting: the timestamp format Entra writes in its errors, ISO 8601 dates and
//! table-storage ETags.
//!
//! The time itself comes from the one clock the store owns ([`partnerd_store::Clock`]); this
//! module only turns Unix seconds into text.

/// `YYYY-MM-DD hh:mm:ssZ` for a Unix time, as Entra writes `timestamp`.
pub fn entra_timestamp(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// `YYYY-MM-DDThh:mm:ssZ` (ISO 8601, UTC) for a Unix time, as Partner Center writes dates.
pub fn iso_timestamp(secs: i64) -> String {
    entra_timestamp(secs).replacen(' ', "T", 1)
}

/// The weak ETag Azure Table storage gives a row changed at a Unix time
/// (`W/"datetime'2026-01-02T03%3A04%3A05.0000000Z'"`), which Partner Center passes through on
/// GCC validation codes. The clock counts whole seconds, so the seven fraction digits carry
/// `version` instead (modulo 10⁷): two changes within one second still give two ETags.
pub fn table_etag(secs: i64, version: u64) -> String {
    let iso = iso_timestamp(secs);
    let stamp = iso.trim_end_matches('Z').replace(':', "%3A");
    format!("W/\"datetime'{stamp}.{:07}Z'\"", version % 10_000_000)
}

/// Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_calendar_dates() {
        assert_eq!(entra_timestamp(0), "1970-01-01 00:00:00Z");
        assert_eq!(entra_timestamp(951_782_400), "2000-02-29 00:00:00Z");
        assert_eq!(entra_timestamp(1_795_000_000), "2026-11-18 11:06:40Z");
        assert_eq!(iso_timestamp(1_795_000_000), "2026-11-18T11:06:40Z");
        assert_eq!(
            table_etag(1_795_000_000, 3),
            "W/\"datetime'2026-11-18T11%3A06%3A40.0000003Z'\""
        );
    }
}

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

/// An ISO 8601 date-time as clients send it: `YYYY-MM-DDThh:mm:ss`, optional fraction, then
/// `Z`, an offset (`+02:00`, `+0200`) or nothing (a local time of an unknown zone), or a date
/// alone. Returns the time as Unix seconds read as UTC, and whether it named its zone.
pub fn parse_iso(text: &str) -> Option<(i64, bool)> {
    let text = text.trim();
    let digits = |s: &str| -> Option<i64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (date, rest) = match text.get(..10) {
        Some(d) => (d, &text[10..]),
        None => return None,
    };
    let mut parts = date.split('-');
    let (y, m, d) = (
        digits(parts.next()?)?,
        digits(parts.next()?)?,
        digits(parts.next()?)?,
    );
    if date.len() != 10 || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let days = days_from_civil(y, m as u32, d as u32);
    if rest.is_empty() {
        return Some((days * 86_400, false));
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let time = rest.get(..8)?;
    let (h, mi, se) = (
        digits(time.get(..2)?)?,
        digits(time.get(3..5)?)?,
        digits(time.get(6..8)?)?,
    );
    if &time[2..3] != ":" || &time[5..6] != ":" || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut zone = &rest[8..];
    if let Some(fraction) = zone.strip_prefix('.') {
        let end = fraction
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(fraction.len());
        if end == 0 {
            return None;
        }
        zone = &fraction[end..];
    }
    let local = days * 86_400 + h * 3600 + mi * 60 + se;
    match zone {
        "" => Some((local, false)),
        "Z" | "z" => Some((local, true)),
        _ => {
            let sign = match zone.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let offset = zone[1..].replace(':', "");
            if offset.len() != 4 {
                return None;
            }
            let (oh, om) = (digits(&offset[..2])?, digits(&offset[2..])?);
            Some((local - sign * (oh * 3600 + om * 60), true))
        }
    }
}

/// Day count since 1970-01-01 of a Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
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
    fn iso_times_parse_with_and_without_zones() {
        assert_eq!(
            parse_iso("2026-11-18T11:06:40Z"),
            Some((1_795_000_000, true))
        );
        assert_eq!(
            parse_iso("2026-11-18T11:06:40"),
            Some((1_795_000_000, false))
        );
        assert_eq!(
            parse_iso("2026-11-18T13:06:40.1234567+02:00"),
            Some((1_795_000_000, true))
        );
        assert_eq!(
            parse_iso("2026-11-18T06:06:40-0500"),
            Some((1_795_000_000, true))
        );
        assert_eq!(parse_iso("2026-11-18"), Some((1_794_960_000, false)));
        assert_eq!(parse_iso("1970-01-01T00:00:00Z"), Some((0, true)));
        for bad in [
            "",
            "2026-13-01",
            "2026-11-18T25:00:00",
            "2026-11-18T11:06",
            "x",
            "2026-11-18T11:06:40+2",
        ] {
            assert_eq!(parse_iso(bad), None, "{bad}");
        }
        for secs in [0, 951_782_400, 1_795_000_000] {
            assert_eq!(parse_iso(&iso_timestamp(secs)), Some((secs, true)));
        }
    }

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

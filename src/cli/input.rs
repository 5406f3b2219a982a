//! Credentials and headers as the user gave them (flags and apiprobe.toml),
//! checked once, before anything is sent.
//!
//! A value with a control byte would fail every request locally (a header
//! cannot carry CR, LF or NUL), so it is refused at start, naming where it
//! came from and the byte's position. A single trailing newline (LF, CRLF,
//! or the CR that `$(cat token.txt)` leaves of a CRLF), what a file or a
//! variable read from one leaves behind, is removed with a note instead.

/// Where a tab may stand in a value: RFC 9110 (5.5) allows one inside a
/// header's field value, nowhere else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tabs {
    /// Nowhere: a credential, a name, an identity.
    Never,
    /// After the first `:` (the value of a `Name: value` header).
    AfterColon,
    /// Anywhere (the value alone of a header).
    Anywhere,
}

/// Checks one value in place. `label` names where it came from
/// (`--bearer`, `apiprobe.toml: headers.X-Tenant`). A single trailing LF,
/// CRLF or CR is removed and a note pushed onto `notes`; any other control byte
/// (C0 but a tab where `tabs` allows one, and DEL) is an error naming the
/// byte and its position (1 is the first character).
pub fn check(
    label: &str,
    value: &mut String,
    tabs: Tabs,
    notes: &mut Vec<String>,
) -> Result<(), String> {
    // a CR alone is what `$(cat token.txt)` leaves of a CRLF line end
    let trimmed = value
        .strip_suffix("\r\n")
        .or_else(|| value.strip_suffix('\n'))
        .or_else(|| value.strip_suffix('\r'))
        .map(str::len);
    if let Some(len) = trimmed {
        value.truncate(len);
        notes.push(format!("{label}: trailing newline removed"));
    }
    let colon = value.find(':');
    for (position, (at, c)) in value.char_indices().enumerate() {
        let tab_ok = match tabs {
            Tabs::Never => false,
            Tabs::AfterColon => colon.is_some_and(|i| at > i),
            Tabs::Anywhere => true,
        };
        // C0 and DEL
        if c.is_ascii_control() && !(c == '\t' && tab_ok) {
            return Err(format!(
                "{label}: control byte 0x{:02x} at position {}",
                u32::from(c),
                position + 1
            ));
        }
    }
    Ok(())
}

/// [`check`] over each value of a list.
pub fn check_all(
    label: &str,
    values: &mut [String],
    tabs: Tabs,
    notes: &mut Vec<String>,
) -> Result<(), String> {
    for v in values {
        check(label, v, tabs, notes)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(value: &str, tabs: Tabs) -> (Result<String, String>, Vec<String>) {
        let mut notes = Vec::new();
        let mut v = value.to_owned();
        let r = check("--x", &mut v, tabs, &mut notes).map(|()| v);
        (r, notes)
    }

    #[test]
    fn a_trailing_newline_goes_with_a_note() {
        for text in ["tok\n", "tok\r\n", "tok\r"] {
            let (r, notes) = checked(text, Tabs::Never);
            assert_eq!(r, Ok("tok".to_owned()));
            assert_eq!(notes, ["--x: trailing newline removed"]);
        }
        let (r, notes) = checked("tok", Tabs::Never);
        assert_eq!(r, Ok("tok".to_owned()));
        assert!(notes.is_empty());
        // only one: a second is a control byte
        let (r, _) = checked("tok\n\n", Tabs::Never);
        assert_eq!(r, Err("--x: control byte 0x0a at position 4".to_owned()));
    }

    #[test]
    fn control_bytes_are_named_with_their_position() {
        for (text, byte, at) in [
            ("a\rb", 0x0d, 2),
            ("\0ab", 0x00, 1),
            ("ab\u{7f}", 0x7f, 3),
            ("é\x1b", 0x1b, 2),
            ("a\tb", 0x09, 2),
        ] {
            let (r, _) = checked(text, Tabs::Never);
            assert_eq!(
                r,
                Err(format!("--x: control byte 0x{byte:02x} at position {at}")),
                "{text:?}"
            );
        }
    }

    #[test]
    fn a_tab_may_stand_in_a_header_value_only() {
        assert_eq!(
            checked("X-A: b\tc", Tabs::AfterColon).0,
            Ok("X-A: b\tc".to_owned())
        );
        assert_eq!(
            checked("X\tA: b", Tabs::AfterColon).0,
            Err("--x: control byte 0x09 at position 2".to_owned())
        );
        assert_eq!(checked("b\tc", Tabs::Anywhere).0, Ok("b\tc".to_owned()));
        assert!(checked("b\nc", Tabs::Anywhere).0.is_err());
    }
}

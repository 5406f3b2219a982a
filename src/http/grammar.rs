//! The HTTP grammar's byte classes that both the serialiser and the wire
//! writer check against.

/// RFC 9110 `tchar`: what a header name (a token) may hold.
pub fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
        )
}

/// Whether `b` may appear in an HTTP field value as `http::HeaderValue`
/// accepts it: visible ASCII, space, tab, and any byte of 0x80 or more.
pub fn is_header_value_byte(b: u8) -> bool {
    (b >= 0x20 && b != 0x7F) || b == b'\t'
}

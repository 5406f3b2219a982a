//! How a fuzz input's bytes are read.

/// The parts of one fuzz input: bytes 0 and 1 (little-endian) choose the
/// operation, byte 2 the probe among that operation's probes, and every
/// further byte is one choice of the generator. Missing bytes read as 0, so
/// every input, the empty one included, is a valid request: operation 0,
/// its first probe (positive), the simplest valid values.
///
/// Selectors wrap around (`operation % operations`, `probe % probes`), so
/// every byte string means something and small mutations stay meaningful.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputLayout<'a> {
    /// Chooses the operation.
    pub operation: u16,
    /// Chooses the probe of the operation.
    pub probe: u8,
    /// The generator's choices, one byte each.
    pub choices: &'a [u8],
}

impl<'a> InputLayout<'a> {
    /// Bytes before the generator's choices.
    pub const HEADER: usize = 3;

    /// Reads `data` (any bytes).
    pub fn parse(data: &'a [u8]) -> InputLayout<'a> {
        let byte = |i: usize| data.get(i).copied().unwrap_or(0);
        InputLayout {
            operation: u16::from_le_bytes([byte(0), byte(1)]),
            probe: byte(2),
            choices: data.get(Self::HEADER..).unwrap_or(&[]),
        }
    }

    /// The input that chooses operation `operation`, probe `probe`, and
    /// then `choices`.
    pub fn encode(operation: u16, probe: u8, choices: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(Self::HEADER + choices.len());
        out.extend_from_slice(&operation.to_le_bytes());
        out.push(probe);
        out.extend_from_slice(choices);
        out
    }
}

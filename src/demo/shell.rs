//! A simulated `sh -c "ping -c 1 HOST"` for the command injection flaw (20).
//! No process is ever started: the host argument is split at `;`, `&&`, `||`,
//! `|` and newlines, and each command is answered from a small table.

use super::fakefs;
use std::time::Duration;

/// The most a whole simulated command line may sleep.
pub(crate) const SLEEP_CAP: Duration = Duration::from_secs(1);

/// What the simulated shell printed, and how long it would have slept.
pub(crate) struct Outcome {
    pub(crate) output: String,
    pub(crate) sleep: Duration,
}

/// A plausible host name or address: the fixed server's allow list.
pub(crate) fn is_plain_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:".contains(c))
}

fn ping(host: &str) -> (String, bool) {
    let host = host.trim();
    if is_plain_host(host) {
        (
            format!(
                "PING {host} ({host}) 56(84) bytes of data.\n64 bytes from {host}: icmp_seq=1 ttl=64 time=0.045 ms\n\n--- {host} ping statistics ---\n1 packets transmitted, 1 received, 0% packet loss, time 0ms\n"
            ),
            true,
        )
    } else {
        (format!("ping: {host}: Name or service not known\n"), false)
    }
}

fn unquote(word: &str) -> &str {
    word.trim_matches(|c| c == '\'' || c == '"')
}

/// Runs one simple command of the simulation: its output and success.
fn command(line: &str, sleep: &mut Duration) -> (String, bool) {
    let words: Vec<&str> = line.split_whitespace().map(unquote).collect();
    let Some((&name, args)) = words.split_first() else {
        return (String::new(), true);
    };
    match name {
        "echo" => {
            let words: Vec<String> = args.iter().map(|w| expand_arithmetic(w)).collect();
            (format!("{}\n", words.join(" ")), true)
        }
        "sleep" => {
            let seconds: f64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(0.0);
            if seconds.is_finite() && seconds > 0.0 {
                let wanted = Duration::from_secs_f64(seconds.min(3600.0));
                *sleep = (*sleep + wanted).min(SLEEP_CAP);
            }
            (String::new(), true)
        }
        "id" => (
            "uid=33(www-data) gid=33(www-data) groups=33(www-data)\n".to_owned(),
            true,
        ),
        "whoami" => ("www-data\n".to_owned(), true),
        "uname" => ("Linux\n".to_owned(), true),
        "cat" => {
            let mut out = String::new();
            let mut ok = true;
            for path in args {
                match fakefs::read(&fakefs::resolve("/srv/app", path)) {
                    Some(content) => out.push_str(content),
                    None => {
                        out.push_str(&format!("cat: {path}: No such file or directory\n"));
                        ok = false;
                    }
                }
            }
            (out, ok)
        }
        "true" => (String::new(), true),
        "false" => (String::new(), false),
        other => (format!("sh: 1: {other}: not found\n"), false),
    }
}

/// A word with each `$((A*B))` (also `+`, `-`) replaced by its value, as a
/// POSIX shell's arithmetic expansion does; anything else is kept as written.
fn expand_arithmetic(word: &str) -> String {
    let mut out = String::new();
    let mut rest = word;
    while let Some(start) = rest.find("$((") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 3..];
        let Some(end) = after.find("))") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let expression = &after[..end];
        let value = ['*', '+', '-'].iter().find_map(|op| {
            let (a, b) = expression.split_once(*op)?;
            let (a, b): (i64, i64) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
            match op {
                '*' => a.checked_mul(b),
                '+' => a.checked_add(b),
                _ => a.checked_sub(b),
            }
        });
        match value {
            Some(v) => out.push_str(&v.to_string()),
            None => out.push_str(&rest[start..start + 3 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// Simulates `ping -c 1 HOST` run through a shell.
pub(crate) fn run(host: &str) -> Outcome {
    let mut output = String::new();
    let mut sleep = Duration::ZERO;
    let mut rest = host;
    let mut first = true;
    let mut last_ok = true;
    let mut separator = ";";
    loop {
        let next = [";", "&&", "||", "|", "\n"]
            .iter()
            .filter_map(|s| rest.find(s).map(|i| (i, *s)))
            .min_by_key(|(i, s)| (*i, std::cmp::Reverse(s.len())));
        let (segment, following) = match next {
            Some((i, s)) => (&rest[..i], Some((s, &rest[i + s.len()..]))),
            None => (rest, None),
        };
        let runs = match separator {
            "&&" => last_ok,
            "||" => !last_ok,
            _ => true,
        };
        if runs {
            let (out, ok) = if first {
                ping(segment)
            } else {
                command(segment, &mut sleep)
            };
            // `a | b`: a's output feeds b, which none of the simulated commands read.
            if following.map(|(s, _)| s) != Some("|") {
                output.push_str(&out);
            }
            last_ok = ok;
        }
        first = false;
        match following {
            Some((s, remainder)) => {
                separator = s;
                rest = remainder;
            }
            None => break,
        }
    }
    Outcome { output, sleep }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sleep_adds_up_to_its_cap() {
        assert_eq!(run("localhost").sleep, Duration::ZERO);
        assert_eq!(
            run("localhost; sleep 0.25").sleep,
            Duration::from_millis(250)
        );
        assert_eq!(
            run("localhost; sleep 0.5; sleep 0.25").sleep,
            Duration::from_millis(750)
        );
        assert_eq!(run("localhost; sleep 5").sleep, SLEEP_CAP);
        assert_eq!(run("localhost; sleep 0.5; sleep 0.75").sleep, SLEEP_CAP);
        // `&&` after a failed command runs nothing
        assert_eq!(run("no host && sleep 5").sleep, Duration::ZERO);
    }

    #[test]
    fn echo_expands_arithmetic_like_sh() {
        let out = run("localhost; echo ab$((6*7)) $((2+3)) $((x*y))");
        assert!(
            out.output.lines().any(|l| l == "ab42 5 $((x*y))"),
            "{}",
            out.output
        );
    }
}

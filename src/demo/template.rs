//! A tiny template language for the greeting (flaw 27): `{{name}}` is a
//! variable and `{{a*b}}` (also `+`, `-`, `/`) integer arithmetic.

/// Renders `template`, replacing each `{{...}}` by the variable it names or the
/// arithmetic it spells; anything else is left as written.
pub(crate) fn render(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let expression = after[..end].trim();
        match evaluate(expression, vars) {
            Some(value) => out.push_str(&value),
            None => out.push_str(&rest[start..start + 2 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

fn evaluate(expression: &str, vars: &[(&str, &str)]) -> Option<String> {
    if let Some((_, value)) = vars.iter().find(|(name, _)| *name == expression) {
        return Some((*value).to_owned());
    }
    let position = expression
        .char_indices()
        .skip(1)
        .find(|(_, c)| "*+-/".contains(*c))?
        .0;
    let (left, right) = expression.split_at(position);
    let operator = right.chars().next()?;
    let a: i64 = left.trim().parse().ok()?;
    let b: i64 = right[1..].trim().parse().ok()?;
    let value = match operator {
        '*' => a.checked_mul(b),
        '+' => a.checked_add(b),
        '-' => a.checked_sub(b),
        '/' => a.checked_div(b),
        _ => None,
    }?;
    Some(value.to_string())
}

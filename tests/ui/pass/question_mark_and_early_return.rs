use lumogon_track::track_screen;

#[derive(Debug, PartialEq)]
enum Error {
    Parse,
    Negative,
}

#[track_screen("parse")]
fn parse(input: &str) -> Result<i64, Error> {
    let n: i64 = input.trim().parse().map_err(|_| Error::Parse)?;
    if n < 0 {
        return Err(Error::Negative);
    }
    Ok(n)
}

#[track_screen("first even")]
fn first_even(numbers: &[u32]) -> Option<u32> {
    for &n in numbers {
        if n % 2 == 0 {
            return Some(n);
        }
    }
    None
}

fn main() {
    assert_eq!(parse(" 42 "), Ok(42));
    assert_eq!(parse("x"), Err(Error::Parse));
    assert_eq!(parse("-1"), Err(Error::Negative));
    assert_eq!(first_even(&[1, 3, 4, 6]), Some(4));
    assert_eq!(first_even(&[1]), None);
}

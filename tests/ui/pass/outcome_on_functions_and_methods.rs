//! `outcome` on sync free functions, methods with every receiver, generics
//! with where clauses, `?` and early `return`, inner attributes, `impl
//! Trait` and borrowed returns (of `&mut self` too): each compiles and returns what it did.
#![deny(warnings)]

use std::fmt::Display;
use std::process::ExitCode;

use lumogon_track::track_screen;

#[track_screen("free", outcome)]
fn free(input: &str) -> Result<u32, std::num::ParseIntError> {
    #![allow(clippy::needless_return)]
    if input.is_empty() {
        return Ok(0);
    }
    let n: u32 = input.parse()?;
    Ok(n)
}

#[track_screen("unit", outcome)]
fn unit() {}

#[track_screen("exit code", outcome)]
#[must_use]
fn exit_code(ok: bool) -> ExitCode {
    if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

#[track_screen("boxed error", outcome)]
fn boxed_error() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    Err("coerced to the declared type")?;
    Ok(())
}

#[track_screen("impl trait", outcome)]
fn impl_trait(n: u8) -> Result<impl Display, String> {
    Ok(n)
}

#[track_screen("mutable argument", outcome)]
fn mutable_argument(mut n: u32) -> bool {
    n += 1;
    n > 1
}

struct Counter(u32);

impl Counter {
    #[track_screen("new", outcome)]
    fn new() -> Result<Self, String> {
        Ok(Counter(0))
    }

    #[track_screen("get", outcome)]
    fn get(&self) -> Result<u32, String> {
        Ok(self.0)
    }

    #[track_screen("name", outcome)]
    fn name(&self) -> Result<&str, String> {
        Ok(if self.0 == 0 { "zero" } else { "more" })
    }

    #[track_screen("bump", outcome)]
    fn bump(&mut self) -> bool {
        self.0 += 1;
        true
    }

    #[track_screen("field", outcome)]
    fn field(&mut self) -> Result<&mut u32, String> {
        Ok(&mut self.0)
    }

    #[track_screen("into inner", outcome)]
    fn into_inner(self) -> Result<u32, String> {
        Ok(self.0)
    }

    #[track_screen("boxed", outcome)]
    fn boxed(self: Box<Self>) -> Result<u32, String> {
        Ok(self.0)
    }
}

trait Describe {
    #[track_screen("trait default", outcome)]
    fn describe(&self) -> Result<String, String> {
        Ok("default".to_owned())
    }
}

impl Describe for Counter {}

#[track_screen("generic", outcome)]
fn generic<'a, T, const N: usize>(items: &'a [T; N]) -> Result<&'a T, String>
where
    T: Display + 'a,
{
    items.first().ok_or_else(|| "empty".to_owned())
}

fn main() {
    assert_eq!(free("12"), Ok(12));
    assert_eq!(free(""), Ok(0));
    assert!(free("x").is_err());
    unit();
    assert_eq!(exit_code(true), ExitCode::SUCCESS);
    assert!(boxed_error().is_err());
    assert_eq!(impl_trait(3).map(|d| d.to_string()), Ok("3".to_owned()));
    assert!(mutable_argument(1));
    let mut c = Counter::new().unwrap();
    assert!(c.bump());
    assert_eq!(c.get(), Ok(1));
    *c.field().unwrap() += 1;
    assert_eq!(c.get(), Ok(2));
    assert_eq!(c.name(), Ok("more"));
    assert_eq!(c.describe(), Ok("default".to_owned()));
    assert_eq!(Box::new(Counter(7)).boxed(), Ok(7));
    assert_eq!(c.into_inner(), Ok(2));
    assert_eq!(generic(&[4, 5]), Ok(&4));
}

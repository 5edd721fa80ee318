use std::fmt::Display;

use lumogon_track::track_screen;

#[track_screen("generic")]
fn join<'a, T, U: Display, const N: usize>(items: [&'a T; N], sep: U) -> String
where
    T: Display + ?Sized + 'a,
{
    items.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(&sep.to_string())
}

#[track_screen("impl trait")]
fn evens(limit: u32) -> impl Iterator<Item = u32> {
    (0..limit).filter(|n| n % 2 == 0)
}

#[track_screen("impl trait argument")]
fn total(numbers: impl IntoIterator<Item = u32>) -> u32 {
    numbers.into_iter().sum()
}

fn main() {
    assert_eq!(join(["a", "b"], ", "), "a, b");
    assert_eq!(total(evens(7)), 12);
}

use lumogon_track::track_screen;

struct Counter(u32);

impl Counter {
    #[track_screen("new")]
    fn new() -> Self {
        Counter(0)
    }

    #[track_screen("get")]
    fn get(&self) -> u32 {
        self.0
    }

    #[track_screen("bump")]
    fn bump(&mut self) -> &mut Self {
        self.0 += 1;
        self
    }

    #[track_screen("into inner")]
    fn into_inner(self) -> u32 {
        self.0
    }

    #[track_screen("boxed")]
    fn boxed(self: Box<Self>) -> u32 {
        self.0
    }
}

trait Describe {
    #[track_screen("trait default")]
    fn describe(&self) -> String {
        "default".to_owned()
    }

    fn name(&self) -> &'static str;
}

impl Describe for Counter {
    #[track_screen("trait impl")]
    fn name(&self) -> &'static str {
        "counter"
    }
}

fn main() {
    let mut c = Counter::new();
    c.bump().bump();
    assert_eq!(c.get(), 2);
    assert_eq!(c.describe(), "default");
    assert_eq!(c.name(), "counter");
    assert_eq!(Box::new(Counter(7)).boxed(), 7);
    assert_eq!(c.into_inner(), 2);
}

use lumogon_track::track_screen;

#[track_screen(r"raw string")]
fn raw() {}

#[track_screen("capabilities describe")]
fn spaces() {}

#[track_screen("écran 画面 🖥")]
fn unicode() {}

#[track_screen("x")]
fn shortest() {}

fn main() {
    raw();
    spaces();
    unicode();
    shortest();
}

//! Unit tests of `spool.rs`.

use super::super::tests::{WAIT, temp_dir};
use super::*;

const DAY: Duration = Duration::from_secs(24 * 3600);

const TO: &str = "https://collector.example/collect";

fn to() -> Destination {
    Destination {
        endpoint: TO.to_owned(),
        property: "UA-1-1".to_owned(),
    }
}
const HOUR: u64 = 3600 * 1000;

pub(crate) fn spooled(at_ms: u64, screen: &'static str) -> Spooled {
    Spooled {
        entry: Entry {
            hit: Hit::Screenview { screen },
            at_ms,
            late: true,
            session: None,
        },
        to: to(),
    }
}

#[test]
fn entries_round_trip_through_the_file() {
    let mut event = spooled(2, "");
    event.entry.hit = Hit::event("UX \"quoted\"", "upload");
    event.entry.session = Some("1700000000000".to_owned());
    let mut with_params = spooled(3, "");
    with_params.entry.hit = Hit::Event {
        category: "report",
        action: "upload",
        params: vec![
            ("format", params::Value::Str("json")),
            ("containers", params::Value::Int(3)),
            ("ratio", params::Value::Float(0.5)),
        ],
    };
    let all = vec![spooled(1, "capabilities describe"), event, with_params];
    let text = format(&all);
    assert_eq!(
        text.lines().next(),
        Some(
            r#"{"at":1,"property":"UA-1-1","screen":"capabilities describe","to":"https://collector.example/collect"}"#
        )
    );
    assert_eq!(parse(&text), all);
}

#[test]
fn lines_this_library_did_not_write_are_skipped() {
    let good = format(&[spooled(5, "scan")]);
    let long = "x".repeat(STORED_TEXT + 1);
    let text = format!(
        "not json\n{{\"at\":1,\"to\":\"{TO}\"}}\n\
         {{\"at\":1,\"to\":\"{TO}\",\"screen\":\"no property\"}}\n\
         {{\"at\":1,\"to\":\"{TO}\",\"property\":\"UA-1-1\",\"screen\":\"{long}\"}}\n\
         {{\"at\":-1,\"to\":\"{TO}\",\"property\":\"UA-1-1\",\"screen\":\"a\"}}\n\
         {{\"at\":1,\"to\":\"{TO}\",\"property\":\"UA-1-1\",\"screen\":\"a\",\"category\":\"b\",\"action\":\"c\"}}\n\
         {{\"at\":1,\"to\":\"{TO}\",\"property\":\"UA-1-1\",\"screen\":\"a\",\"session\":\"x1\"}}\n\
         {{\"at\":1,\"to\":\"{TO}\",\"property\":\"UA-1-1\",\"category\":\"b\",\"action\":\"c\",\"params\":[[\"Bad key\",1]]}}\n\
         {{\"at\":1,\"to\":\"{TO}\",\"property\":\"UA-1-1\",\"category\":\"b\",\"action\":\"c\",\"params\":[[\"k\",true]]}}\n\
         {{\"at\":1,\"screen\":\"a\"}}\n{good}{{\"at\":1,\"to\""
    );
    assert_eq!(parse(&text), vec![spooled(5, "scan")]);
}

#[test]
fn the_spool_keeps_the_newest_hundred() {
    let now = 1000 * HOUR;
    let kept: Vec<_> = (0..90).map(|i| spooled(now - 200 + i, "old")).collect();
    let new: Vec<_> = (0..20).map(|i| spooled(now - 100 + i, "new")).collect();
    let all = admit(kept, new, now);
    assert_eq!(all.len(), SPOOL_HITS);
    assert_eq!(all[0].entry.at_ms, now - 200 + 10);
    let is_new = |s: &&Spooled| s.entry.hit == spooled(0, "new").entry.hit;
    assert_eq!(all.iter().filter(is_new).count(), 20);
}

#[test]
fn the_spool_stays_within_its_bytes() {
    let now = 1000 * HOUR;
    let screen: &'static str = Box::leak("s".repeat(1000).into_boxed_str());
    let new = (0..40).map(|i| spooled(now - 40 + i, screen)).collect();
    let all = admit(Vec::new(), new, now);
    assert!(format(&all).len() <= SPOOL_BYTES, "{}", format(&all).len());
    assert!(all.len() >= 10, "{}", all.len());
    // The newest stay.
    assert_eq!(all.last().map(|s| s.entry.at_ms), Some(now - 1));
}

#[test]
fn old_and_future_hits_leave_when_the_spool_is_written() {
    let now = 1000 * HOUR;
    let gone = vec![
        spooled(now - 73 * HOUR, "stale"),
        spooled(now + 61_000, "future"),
    ];
    // A hit another run stamped while this one waited for the lock stays.
    let kept = vec![
        spooled(now - 71 * HOUR, "kept"),
        spooled(now + 50, "just after"),
    ];
    assert_eq!(admit(gone, kept.clone(), now), kept);
}

#[test]
fn a_run_claims_its_own_endpoints_hits_oldest_first_up_to_its_room() {
    let now = 1000 * HOUR;
    let mut other = spooled(now - 3, "elsewhere");
    other.to.endpoint = "http://127.0.0.1:9/collect".to_owned();
    let mut other_property = spooled(now - 3, "another property");
    other_property.to.property = "UA-2-2".to_owned();
    let all = vec![
        spooled(now - 5 * HOUR, "too old for v1"),
        spooled(now - 2, "first"),
        other.clone(),
        other_property.clone(),
        spooled(now - 1, "second"),
        spooled(now, "third"),
    ];
    let claim = claim(all, &to(), 2, Duration::from_secs(4 * 3600), now);
    let taken: Vec<_> = claim.taken.iter().map(|e| e.hit.clone()).collect();
    let screen = |screen| Hit::Screenview { screen };
    assert_eq!(taken, [screen("first"), screen("second")]);
    let rest = vec![other, other_property, spooled(now, "third")];
    assert_eq!(claim.rest, rest);
    assert_eq!(claim.expired, 1);
}

#[test]
fn timestamps_reach_back_seventy_two_hours_and_the_spool_keeps_to_it() {
    use crate::limits::ga4::MAX_TIMESTAMP_AGE;
    assert_eq!(MAX_TIMESTAMP_AGE, Duration::from_secs(259_200));
    let to = Destination {
        endpoint: "http://127.0.0.1:9/mp/collect".to_owned(),
        property: "measurement_id=G-A".to_owned(),
    };
    let now = 1_000 * 3_600_000;
    let oldest = 72 * 3_600_000;
    let at = |age_ms: u64| Spooled {
        to: to.clone(),
        ..spooled(now - age_ms, "scan")
    };
    let all = vec![at(oldest + 1), at(oldest)];
    let taken = claim(all, &to, 25, MAX_TIMESTAMP_AGE, now);
    assert_eq!((taken.taken.len(), taken.expired), (1, 1));
}

#[test]
fn spooled_hits_are_taken_once_and_a_peek_leaves_them() {
    let store = temp_dir("spool");
    let (to, yes) = (&to(), |_: &[Entry]| true);
    let unspool = |room, peek, hold: fn(&[Entry]) -> bool| {
        store.unspool(to, room, DAY, 10, peek, WAIT, hold).len()
    };
    assert_eq!(unspool(20, false, yes), 0);
    let lock = store.file(super::super::LOCK_FILE);
    assert!(!lock.exists(), "an empty spool takes no lock");
    let two = vec![spooled(1, "scan"), spooled(2, "scan")];
    assert_eq!(store.spool(two, 10, WAIT).map_err(|e| e.kind()), Ok(()));
    assert_eq!(unspool(20, true, yes), 2);
    // Refused by the outbox (the exit took over): they stay.
    assert_eq!(unspool(20, false, |_| false), 0);
    assert_eq!(unspool(1, false, yes), 1);
    assert_eq!(unspool(20, false, yes), 1);
    assert!(!store.file(FILE).exists(), "an emptied spool is deleted");
    let _ = std::fs::remove_dir_all(&store.dir);
}

#[test]
fn a_lock_held_elsewhere_is_waited_for_and_then_given_up() {
    let store = temp_dir("lock");
    let _ = std::fs::create_dir_all(&store.dir);
    let holder = std::fs::File::create(store.file(super::super::LOCK_FILE)).expect("lock file");
    holder.lock().expect("lock");
    let spool = |wait| {
        let result = store.spool(vec![spooled(1, "scan")], 10, wait);
        result.map_err(|e| e.kind())
    };
    let refused = spool(Duration::from_millis(5));
    assert_eq!(refused, Err(io::ErrorKind::WouldBlock));
    drop(holder);
    assert_eq!(spool(WAIT), Ok(()));
    assert!(
        store.holds_for(&to())
            && !store.holds_for(&Destination {
                property: "UA-2-2".into(),
                ..to()
            })
    );
    let _ = std::fs::remove_dir_all(&store.dir);
}

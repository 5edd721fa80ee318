//! Issue 10: one malicious container must not stop, stall or exhaust a
//! scan. On the real daemon, with fixture images imported from tar streams:
//! crafted rpm databases, symlink loops, a relative link through a
//! symlinked parent, 30,000 new files, and an archive stream that stalls.
//!
//! Every scan here names its containers, runs with `TMPDIR` and
//! `SQLITE_TMPDIR` on a 64 MiB tmpfs, and is killed 30 s past its
//! `--timeout` (or at 1 GiB). Each test proves that the scan ended within
//! its `--timeout` and a little, that the clean container scanned beside
//! the hostile ones has the payloads a scan of it alone gives, that the
//! hostile capability has an error in the contract's words, that lumogon's
//! peak memory stayed under 256 MB and that it left no temporary file.
//!
//! The scan has no code that depends on the `analytics` feature, and this
//! suite takes minutes (30,000 files into a container on fuse-overlayfs), so
//! it runs in the default build's pass of the README's test command only.

#![cfg(feature = "analytics")]

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use lumogon_tests::bounded::{self, Run};
use lumogon_tests::fixtures::hostile::{self, HostileDb};
use lumogon_tests::fixtures::{self, Container, ContainerSpec, Fixture};
use lumogon_tests::stall_proxy::{Stall, StallProxy};
use serde_json::Value;

/// The machine's daemon, as lumogon is told where it is.
const DAEMON: &str = "unix:///var/run/docker.sock";

/// The `--timeout` of a scan with one hostile case in it.
const TIMEOUT: u64 = 5;

/// How far past its `--timeout` a scan may end: printing the report,
/// starting and stopping the process, a busy 2-core CI machine.
const SLACK: Duration = Duration::from_secs(8);

/// lumogon's peak resident memory (`VmHWM`) whatever the containers hold.
const PEAK_KB_MAX: u64 = 256 * 1024;

/// capability -> its `payload` (or `{"error": …}`), the ids and times left
/// out: what two scans of one container must agree on.
type Payloads = BTreeMap<String, Value>;

/// A Debian-like container and what a scan of it alone reports.
struct Clean {
    _fixture: Fixture,
    container: Container,
    payloads: Payloads,
}

/// Builds and starts the clean container and scans it alone.
fn clean() -> Clean {
    let fixture = Fixture::debian().expect("the clean Debian-like image");
    let container = fixture
        .start(&ContainerSpec::new().label("role", "clean"))
        .expect("start the clean container");
    let run = bounded::scan(DAEMON, 60, &[&container.name]);
    check_bounds(&run, 60);
    let payloads = payloads_of(&run.report(), &container.id);
    for capability in ["container", "label", "host", "docker", "diff", "dpkg"] {
        assert!(
            payloads
                .get(capability)
                .is_some_and(|p| p.get("error").is_none()),
            "the clean scan has no {capability} payload: {payloads:#?}"
        );
    }
    Clean {
        _fixture: fixture,
        container,
        payloads,
    }
}

fn payloads_of(report: &Value, id: &str) -> Payloads {
    let entry = &report["containers"][id];
    let capabilities = entry["capabilities"]
        .as_object()
        .unwrap_or_else(|| panic!("no capabilities for {id} in the report: {entry:#}"));
    capabilities
        .iter()
        .map(|(name, c)| {
            let value = match c.get("payload") {
                Some(payload) => payload.clone(),
                None => serde_json::json!({ "error": c["error"] }),
            };
            (name.clone(), value)
        })
        .collect()
}

/// The run ended by itself, successfully, within `timeout` + [`SLACK`],
/// under [`PEAK_KB_MAX`], leaving no temporary file.
fn check_bounds(run: &Run, timeout: u64) {
    assert_eq!(
        run.killed, None,
        "{} was killed after {:?}; stderr:\n{}",
        run.command, run.elapsed, run.stderr
    );
    assert_eq!(
        run.code,
        Some(0),
        "{} failed after {:?}:\n{}",
        run.command,
        run.elapsed,
        run.stderr
    );
    let most = Duration::from_secs(timeout) + SLACK;
    assert!(
        run.elapsed <= most,
        "{} took {:?}, more than its --timeout {timeout} and {SLACK:?}",
        run.command,
        run.elapsed
    );
    assert!(
        run.peak_kb <= PEAK_KB_MAX,
        "{}: peak memory {} kB, more than {PEAK_KB_MAX} kB",
        run.command,
        run.peak_kb
    );
    assert!(
        run.temp_files.is_empty(),
        "{} left temporary files (tmpfs: {}): {:?}",
        run.command,
        run.tmpfs,
        run.temp_files
    );
    eprintln!(
        "{}: {:?}, peak {} kB, TMPDIR on tmpfs: {}",
        run.command, run.elapsed, run.peak_kb, run.tmpfs
    );
}

/// The clean container's payloads in `report` are those of its scan alone.
fn check_clean(report: &Value, clean: &Clean) {
    assert_eq!(
        payloads_of(report, &clean.container.id),
        clean.payloads,
        "the clean container's payloads changed when scanned beside hostile ones"
    );
}

/// `capability`'s error in `container`'s entry; panics if it has none.
fn error_of(report: &Value, container: &Container, capability: &str) -> String {
    let entry = &report["containers"][&container.id]["capabilities"][capability];
    match entry.get("error").and_then(Value::as_str) {
        Some(error) => error.to_owned(),
        None => panic!(
            "{capability} of {} has no error: {}",
            container.name,
            truncated(entry)
        ),
    }
}

fn payload_of<'a>(report: &'a Value, container: &Container, capability: &str) -> &'a Value {
    let entry = &report["containers"][&container.id]["capabilities"][capability];
    entry.get("payload").unwrap_or_else(|| {
        panic!(
            "{capability} of {} has no payload: {entry:#}",
            container.name
        )
    })
}

/// A value for a message, cut short.
fn truncated(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(2000) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

fn names(containers: &[&Container]) -> Vec<String> {
    containers.iter().map(|c| c.name.clone()).collect()
}

fn scan(docker_host: &str, timeout: u64, containers: &[&Container]) -> Run {
    let names = names(containers);
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    bounded::scan(docker_host, timeout, &names)
}

// ------------------------------------------------------- rpm databases

/// The hostile database's container fails its `rpm` capability as `not an
/// rpm database`, and keeps its `host` payload.
fn check_refused(report: &Value, db: HostileDb, container: &Container) {
    let error = error_of(report, container, "rpm");
    assert!(
        error.contains("not an rpm database"),
        "{}: the rpm error does not say `not an rpm database`: {error}",
        db.name()
    );
    assert_eq!(
        payload_of(report, container, "host")["platform"],
        "rocky",
        "{}: the host capability of the same container",
        db.name()
    );
}

/// One crafted database in one container, scanned with a clean one.
fn refused_alone(db: HostileDb) {
    let clean = clean();
    let fixture = Fixture::build(&format!("rpm-{}", db.name()), &db.image()).expect("image");
    let hostile = fixture.start(&ContainerSpec::new()).expect("start");
    let run = scan(DAEMON, TIMEOUT, &[&hostile, &clean.container]);
    check_bounds(&run, TIMEOUT);
    let report = run.report();
    check_clean(&report, &clean);
    check_refused(&report, db, &hostile);
}

#[test]
fn rpm_a_fts5_packages_over_a_view_counting_forever_is_refused() {
    refused_alone(HostileDb::Fts5Forever);
}

#[test]
fn rpm_b_a_generated_100_mb_blob_in_1000_rows_is_refused() {
    refused_alone(HostileDb::GeneratedHundredMegabytes);
}

#[test]
fn rpm_c_a_generated_1_gb_blob_in_an_8_kib_file_is_refused() {
    refused_alone(HostileDb::GeneratedGigabyte);
}

#[test]
fn rpm_d_a_generated_valid_256_mib_header_is_refused() {
    refused_alone(HostileDb::GeneratedHugeHeader);
}

#[test]
fn rpm_f_a_sort_spill_bait_is_refused_without_temporary_files() {
    refused_alone(HostileDb::SortSpill);
}

#[test]
fn rpm_g_300_nested_doubling_views_are_refused() {
    refused_alone(HostileDb::NestedViews);
}

#[test]
fn rpm_h_load_extension_in_a_view_or_a_trigger_is_refused() {
    let clean = clean();
    let dbs = [
        HostileDb::LoadExtensionView,
        HostileDb::LoadExtensionTrigger,
    ];
    let fixtures: Vec<Fixture> = dbs
        .iter()
        .map(|db| Fixture::build(&format!("rpm-{}", db.name()), &db.image()).expect("image"))
        .collect();
    let hostile: Vec<Container> = fixtures
        .iter()
        .map(|f| f.start(&ContainerSpec::new()).expect("start"))
        .collect();
    let run = scan(
        DAEMON,
        TIMEOUT,
        &[&hostile[0], &hostile[1], &clean.container],
    );
    check_bounds(&run, TIMEOUT);
    let report = run.report();
    check_clean(&report, &clean);
    for (db, container) in dbs.iter().zip(&hostile) {
        check_refused(&report, *db, container);
    }
}

/// (e) is rpm's own schema: its 100,000 packages are reported, or it fails
/// with an error that says what is wrong; either way within the timeout.
fn check_many_headers(report: &Value, container: &Container, timeout: u64) {
    let entry = &report["containers"][&container.id]["capabilities"]["rpm"];
    if let Some(payload) = entry.get("payload").and_then(Value::as_object) {
        assert_eq!(payload.len(), hostile::MANY_HEADERS, "packages reported");
        let last = hostile::many_headers_name(hostile::MANY_HEADERS - 1);
        assert!(payload.contains_key(&last), "{last} missing");
        return;
    }
    let error = entry["error"].as_str().unwrap_or_default();
    assert!(
        !error.is_empty()
            && !error.contains("not an rpm database")
            && !error.contains(&format!("did not finish within {timeout} s")),
        "100,000 valid headers in rpm's own schema gave neither the packages nor a clear error: {}",
        truncated(entry)
    );
    eprintln!("(e) failed with a clear error: {error}");
}

/// One valid 56 MiB header in rpm's own schema: reported, or refused with
/// an error that says what is wrong; either way within the timeout and
/// the memory limit.
fn check_huge_header(report: &Value, container: &Container, timeout: u64) {
    let entry = &report["containers"][&container.id]["capabilities"]["rpm"];
    if let Some(payload) = entry.get("payload").and_then(Value::as_object) {
        assert_eq!(
            payload.keys().collect::<Vec<_>>(),
            [hostile::HUGE_PACKAGE],
            "packages reported"
        );
        return;
    }
    let error = entry["error"].as_str().unwrap_or_default();
    assert!(
        !error.is_empty()
            && !error.contains("not an rpm database")
            && !error.contains(&format!("did not finish within {timeout} s")),
        "one valid 56 MiB header in rpm's own schema gave neither the package nor a clear error: {}",
        truncated(entry)
    );
    eprintln!("the 56 MiB header failed with a clear error: {error}");
}

#[test]
fn rpm_one_valid_56_mib_header_is_read_or_refused_clearly_within_the_limits() {
    const TIMEOUT_HUGE: u64 = 20;
    let clean = clean();
    let db = HostileDb::OneHugeValidHeader;
    let fixture = Fixture::build("rpm-one-huge-valid-header", &db.image()).expect("image");
    let huge = fixture.start(&ContainerSpec::new()).expect("start");
    let run = scan(DAEMON, TIMEOUT_HUGE, &[&huge, &clean.container]);
    check_bounds(&run, TIMEOUT_HUGE);
    let report = run.report();
    check_clean(&report, &clean);
    check_huge_header(&report, &huge, TIMEOUT_HUGE);
}

#[test]
fn rpm_e_100_000_large_valid_headers_parse_within_the_timeout() {
    const TIMEOUT_E: u64 = 20;
    let clean = clean();
    let db = HostileDb::ManyLargeHeaders;
    let fixture = Fixture::build("rpm-many-large-headers", &db.image()).expect("image");
    let many = fixture.start(&ContainerSpec::new()).expect("start");
    let run = scan(DAEMON, TIMEOUT_E, &[&many, &clean.container]);
    check_bounds(&run, TIMEOUT_E);
    let report = run.report();
    check_clean(&report, &clean);
    check_many_headers(&report, &many, TIMEOUT_E);
}

// ------------------------------------------------------------ symlinks

/// Each read path of `container` fails with a loop error naming where.
fn check_loops(report: &Value, container: &Container, host_path: &str) {
    for (capability, path) in hostile::READ_PATHS {
        let path = if *capability == "host" {
            host_path
        } else {
            path
        };
        let error = error_of(report, container, capability);
        assert!(
            error.contains("too many levels of symbolic links") && error.contains(path),
            "{capability} of {}: the error should say `too many levels of symbolic links` and name {path}: {error}",
            container.name
        );
    }
}

#[test]
fn symlink_loops_at_every_path_lumogon_reads_fail_those_capabilities_only() {
    let clean = clean();
    let kinds = [
        ("loops-files", hostile::file_loops(), "/etc/os-release"),
        ("loops-parents", hostile::parent_loops(), "/usr/lib"),
        ("loops-cycles", hostile::cycles(), "/usr/lib/os-release"),
    ];
    let fixtures: Vec<(Fixture, &str)> = kinds
        .iter()
        .map(|(kind, entries, host)| (Fixture::build(kind, entries).expect("image"), *host))
        .collect();
    let hostile: Vec<(Container, &str)> = fixtures
        .iter()
        .map(|(f, host)| (f.start(&ContainerSpec::new()).expect("start"), *host))
        .collect();
    let mut all: Vec<&Container> = hostile.iter().map(|(c, _)| c).collect();
    all.push(&clean.container);
    let run = scan(DAEMON, TIMEOUT, &all);
    check_bounds(&run, TIMEOUT);
    let report = run.report();
    check_clean(&report, &clean);
    for (container, host_path) in &hostile {
        check_loops(&report, container, host_path);
        assert!(
            payload_of(&report, container, "container")["image"] == container.image.as_str(),
            "the container capability of {}",
            container.name
        );
    }
}

fn check_symlinked_parent(report: &Value, container: &Container) {
    let host = payload_of(report, container, "host");
    assert_eq!(
        (&host["platform"], &host["platformversion"]),
        (&Value::from("debian"), &Value::from("11")),
        "/usr/lib/os-release -> ../../lib/os-release with /usr -> private/usr must read /private/lib/os-release, not the decoy /lib/os-release: {host:#}"
    );
}

#[test]
fn a_relative_link_through_a_symlinked_parent_resolves_against_its_real_directory() {
    let clean = clean();
    let fixture = Fixture::build("symlinked-parent", &hostile::symlinked_parent()).expect("image");
    let container = fixture.start(&ContainerSpec::new()).expect("start");
    let run = scan(DAEMON, TIMEOUT, &[&container, &clean.container]);
    check_bounds(&run, TIMEOUT);
    let report = run.report();
    check_clean(&report, &clean);
    check_symlinked_parent(&report, &container);
}

// ------------------------------------------------------------ the diff

const MANY_FILES: usize = 30_000;

/// The tests that use the many-files container: the last to finish
/// removes it.
const MANY_FILES_USERS: usize = 2;

/// The one container with [`MANY_FILES`] new files in its own layer,
/// shared: writing 30,000 files through the daemon takes minutes on a
/// slow storage driver (fuse-overlayfs), too long to do twice. Made by the
/// first test that asks; removed when the last of [`MANY_FILES_USERS`]
/// drops its [`ManyFiles`]. (A run that filters one of them out leaves it
/// to the next run's sweep.)
struct SharedManyFiles {
    made: Option<(Fixture, Container)>,
    users_left: usize,
}

static MANY_FILES_CONTAINER: Mutex<SharedManyFiles> = Mutex::new(SharedManyFiles {
    made: None,
    users_left: MANY_FILES_USERS,
});

/// A test's hold on the shared many-files container.
struct ManyFiles(Container);

impl Drop for ManyFiles {
    fn drop(&mut self) {
        let mut shared = MANY_FILES_CONTAINER
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        shared.users_left = shared.users_left.saturating_sub(1);
        if shared.users_left == 0 {
            shared.made = None;
        }
    }
}

fn many_files() -> ManyFiles {
    let mut shared = MANY_FILES_CONTAINER
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some((_, container)) = &shared.made {
        return ManyFiles(container.clone());
    }
    let fixture = Fixture::debian().expect("image");
    let container = fixture
        .start(&ContainerSpec::new().label("role", "many-files"))
        .expect("start");
    let tar = hostile::many_files_tar(MANY_FILES).expect("the tar of many files");
    hostile::upload(&container.id, tar).expect("upload the files");
    shared.made = Some((fixture, container.clone()));
    ManyFiles(container)
}

fn check_many_files(report: &Value, container: &Container) {
    let diff = payload_of(report, container, "diff");
    let diff = diff.as_object().expect("the diff payload is an object");
    assert!(
        diff.len() > MANY_FILES,
        "{} changes listed, fewer than the {MANY_FILES} files added",
        diff.len()
    );
    for i in [0, MANY_FILES / 2, MANY_FILES - 1] {
        let path = hostile::many_files_path(i);
        assert_eq!(diff.get(&path), Some(&Value::from("Added")), "{path}");
    }
}

#[test]
fn thirty_thousand_new_files_are_all_in_the_diff() {
    const TIMEOUT_DIFF: u64 = 20;
    let clean = clean();
    let many = many_files();
    let container = &many.0;
    let run = scan(DAEMON, TIMEOUT_DIFF, &[container, &clean.container]);
    check_bounds(&run, TIMEOUT_DIFF);
    let report = run.report();
    check_clean(&report, &clean);
    check_many_files(&report, container);
}

// ------------------------------------------------------------ hard links

#[test]
fn a_hard_link_in_dpkg_status_d_counts_its_file_too() {
    let clean = clean();
    let fixture = Fixture::debian().expect("image");
    let container = fixture
        .start(&ContainerSpec::new().label("role", "hard-link"))
        .expect("start");
    hostile::upload(&container.id, hostile::hard_link_tar().expect("tar")).expect("upload");
    // The test means something only if Docker sends the second name as a
    // hard-link entry.
    let types = hostile::archive_entry_types(&container.id, "/var/lib/dpkg/status.d")
        .expect("the archive of status.d");
    let link_name = hostile::HARD_LINK.rsplit('/').next().unwrap_or_default();
    assert!(
        types
            .iter()
            .any(|(path, kind)| path.ends_with(link_name) && *kind == tar::EntryType::Link),
        "Docker did not send {} as a hard link: {types:?}",
        hostile::HARD_LINK
    );
    let run = scan(DAEMON, TIMEOUT, &[&container, &clean.container]);
    check_bounds(&run, TIMEOUT);
    let report = run.report();
    check_clean(&report, &clean);
    let dpkg = payload_of(&report, &container, "dpkg");
    assert_eq!(
        dpkg[hostile::HARD_LINKED_PACKAGE],
        hostile::HARD_LINKED_VERSION,
        "the package recorded only through the hard link {}",
        hostile::HARD_LINK
    );
    // Everything else the image records is still there.
    assert_eq!(
        dpkg[fixtures::DISTROLESS_PACKAGE],
        fixtures::DISTROLESS_VERSION
    );
}

// ------------------------------------------------------------ stalls

fn did_not_finish(capability: &str, timeout: u64) -> String {
    format!("{capability} did not finish within {timeout} s")
}

/// `headers_only`: every archive read stalls after the headers;
/// `after_a_little`: the dpkg status stalls after part of its tar.
fn check_stalls(
    report: &Value,
    headers_only: &Container,
    after_a_little: &Container,
    timeout: u64,
) {
    for capability in ["host", "dpkg"] {
        let error = error_of(report, headers_only, capability);
        assert!(
            error.contains(&did_not_finish(capability, timeout)),
            "{capability} of the container whose archive stalls: {error}"
        );
    }
    let error = error_of(report, after_a_little, "dpkg");
    assert!(
        error.contains(&did_not_finish("dpkg", timeout)),
        "dpkg of the container whose status stalls after 1,512 bytes: {error}"
    );
    // The API calls that do not stall still answer for both.
    for container in [headers_only, after_a_little] {
        let c = payload_of(report, container, "container");
        assert_eq!(c["image"], container.image.as_str());
        assert!(payload_of(report, container, "diff").is_object());
    }
    assert_eq!(
        payload_of(report, after_a_little, "host")["platform"],
        "debian"
    );
}

fn stalls_for(headers_only: &Container, after_a_little: &Container) -> Vec<Stall> {
    vec![
        Stall::headers_only(&headers_only.id),
        Stall::after_a_little(&after_a_little.id, "/var/lib/dpkg/status"),
    ]
}

/// The proxy itself changes nothing: with no stall, a scan through it
/// reports what a scan of the daemon does. (So what the stall test sees is
/// lumogon's doing, not the proxy's.)
#[test]
fn the_stall_proxy_without_stalls_is_transparent() {
    let clean = clean();
    let proxy = StallProxy::start(Vec::new());
    let run = scan(&proxy.docker_host(), TIMEOUT, &[&clean.container]);
    check_bounds(&run, TIMEOUT);
    check_clean(&run.report(), &clean);
}

#[test]
fn archive_streams_that_stall_after_their_headers_time_out_those_capabilities_only() {
    let clean = clean();
    let fixture = Fixture::debian().expect("image");
    let headers_only = fixture.start(&ContainerSpec::new()).expect("start");
    let after_a_little = fixture.start(&ContainerSpec::new()).expect("start");
    let proxy = StallProxy::start(stalls_for(&headers_only, &after_a_little));
    let run = scan(
        &proxy.docker_host(),
        TIMEOUT,
        &[&headers_only, &after_a_little, &clean.container],
    );
    assert!(
        proxy.stalled() >= 2,
        "the proxy stalled {}",
        proxy.stalled()
    );
    check_bounds(&run, TIMEOUT);
    let report = run.report();
    check_clean(&report, &clean);
    check_stalls(&report, &headers_only, &after_a_little, TIMEOUT);
}

// ------------------------------------------------------------ together

#[test]
fn every_hostile_container_in_one_scan_and_the_clean_one_is_intact() {
    const TIMEOUT_ALL: u64 = 20;
    let clean = clean();

    let rpm_fixtures: Vec<(HostileDb, Fixture)> = HostileDb::ALL
        .iter()
        .map(|db| {
            let fixture =
                Fixture::build(&format!("rpm-{}", db.name()), &db.image()).expect("image");
            (*db, fixture)
        })
        .collect();
    let rpm: Vec<(HostileDb, Container)> = rpm_fixtures
        .iter()
        .map(|(db, f)| (*db, f.start(&ContainerSpec::new()).expect("start")))
        .collect();

    let loop_fixtures = [
        (
            Fixture::build("loops-files", &hostile::file_loops()),
            "/etc/os-release",
        ),
        (
            Fixture::build("loops-parents", &hostile::parent_loops()),
            "/usr/lib",
        ),
        (
            Fixture::build("loops-cycles", &hostile::cycles()),
            "/usr/lib/os-release",
        ),
    ]
    .map(|(f, host)| (f.expect("image"), host));
    let loops: Vec<(Container, &str)> = loop_fixtures
        .iter()
        .map(|(f, host)| (f.start(&ContainerSpec::new()).expect("start"), *host))
        .collect();

    let parent_fixture =
        Fixture::build("symlinked-parent", &hostile::symlinked_parent()).expect("image");
    let parent = parent_fixture.start(&ContainerSpec::new()).expect("start");

    let many = many_files();
    let debian = Fixture::debian().expect("image");
    let headers_only = debian.start(&ContainerSpec::new()).expect("start");
    let after_a_little = debian.start(&ContainerSpec::new()).expect("start");
    let proxy = StallProxy::start(stalls_for(&headers_only, &after_a_little));

    let mut all: Vec<&Container> = rpm.iter().map(|(_, c)| c).collect();
    all.extend(loops.iter().map(|(c, _)| c));
    all.extend([
        &parent,
        &many.0,
        &headers_only,
        &after_a_little,
        &clean.container,
    ]);
    let run = scan(&proxy.docker_host(), TIMEOUT_ALL, &all);
    check_bounds(&run, TIMEOUT_ALL);
    let report = run.report();
    check_clean(&report, &clean);

    for (db, container) in &rpm {
        match db {
            HostileDb::ManyLargeHeaders => check_many_headers(&report, container, TIMEOUT_ALL),
            HostileDb::OneHugeValidHeader => check_huge_header(&report, container, TIMEOUT_ALL),
            _ => check_refused(&report, *db, container),
        }
    }
    for (container, host_path) in &loops {
        check_loops(&report, container, host_path);
    }
    check_symlinked_parent(&report, &parent);
    check_many_files(&report, &many.0);
    check_stalls(&report, &headers_only, &after_a_little, TIMEOUT_ALL);
}

// ------------------------------------------------------ the generators

/// The crafted databases are what they claim to be, checked with SQLite
/// itself (no lumogon involved): so a test that passes because lumogon
/// refuses them refuses the right thing.
#[test]
fn the_crafted_databases_are_what_they_claim() {
    use rusqlite::Connection;
    let open = |db: HostileDb| {
        let mut conn = Connection::open_in_memory().expect("in-memory SQLite");
        let bytes = db.bytes();
        conn.deserialize_read_exact(rusqlite::MAIN_DB, bytes, bytes.len(), true)
            .expect("load the database");
        conn
    };
    let schema = |db: HostileDb| -> Vec<(String, String)> {
        let conn = open(db);
        let mut statement = conn
            .prepare("SELECT type, name FROM sqlite_schema ORDER BY name")
            .expect("prepare");
        statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    };
    let has = |db: HostileDb, kind: &str, name: &str| {
        schema(db).iter().any(|(k, n)| k == kind && n == name)
    };
    assert!(has(HostileDb::Fts5Forever, "table", "Packages"));
    assert!(has(HostileDb::Fts5Forever, "view", "forever"));
    assert!(has(HostileDb::NestedViews, "view", "Packages"));
    assert!(has(HostileDb::NestedViews, "view", "v299"));
    assert!(has(HostileDb::LoadExtensionView, "view", "Packages"));
    assert!(has(HostileDb::LoadExtensionTrigger, "trigger", "evil"));
    assert!(HostileDb::GeneratedGigabyte.bytes().len() <= 8192);

    // (b), (c), (d): the blob is a generated column (`hidden` 2 or 3 in
    // `table_xinfo`), never evaluated here: (d)'s would be 256 MiB a row.
    for db in [
        HostileDb::GeneratedHundredMegabytes,
        HostileDb::GeneratedGigabyte,
        HostileDb::GeneratedHugeHeader,
    ] {
        let hidden: i64 = open(db)
            .query_row(
                "SELECT hidden FROM pragma_table_xinfo('Packages') WHERE name = 'blob'",
                [],
                |row| row.get(0),
            )
            .expect("the blob column");
        assert!(matches!(hidden, 2 | 3), "{}: hidden = {hidden}", db.name());
    }

    // (e): rpm's own schema, 100,000 rows, under 60 MiB.
    let bytes = HostileDb::ManyLargeHeaders.bytes();
    assert!(bytes.len() as u64 <= hostile::MANY_HEADERS_MAX_FILE);
    let conn = open(HostileDb::ManyLargeHeaders);
    let rows: i64 = conn
        .query_row("SELECT count(*) FROM Packages", [], |row| row.get(0))
        .expect("count");
    assert_eq!(rows, hostile::MANY_HEADERS as i64);
    eprintln!(
        "(e) is {} bytes for {rows} headers of {} bytes",
        bytes.len(),
        hostile::rpm_header(&hostile::many_headers_name(0), "1.0", "1", 560).len()
    );
}

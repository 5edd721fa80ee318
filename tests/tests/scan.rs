//! End-to-end: `lumogon scan` and `lumogon report` against the machine's
//! real Docker daemon, on fixture containers built from tar streams, with
//! the real dpkg and rpm tools as oracles for what the parsers must find.

use std::collections::BTreeMap;

use lumogon_tests::ANALYTICS;
use lumogon_tests::collector::Collector;
use lumogon_tests::docker_proxy::DockerProxy;
use lumogon_tests::fixtures::{self, ContainerSpec, Fixture, rpmdb};
use lumogon_tests::lumogon::{Lumogon, Output};
use lumogon_tests::servers::{BlackHole, refused_port};
use serde_json::Value;

type Packages = BTreeMap<String, String>;

/// `lumogon ARGS` against the real daemon, analytics going to `collector`.
fn lumogon(args: &[&str], collector: &Collector) -> Lumogon {
    Lumogon::new(args).real_docker().collector(&collector.url())
}

fn json(out: &Output) -> Value {
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: not JSON:\n{}\n{}", out.stdout, out.stderr))
}

fn payload(container: &Value, capability: &str) -> Packages {
    let payload = &container["capabilities"][capability]["payload"];
    let object = payload
        .as_object()
        .unwrap_or_else(|| panic!("no {capability} payload in {container:#}"));
    object
        .iter()
        .map(|(k, v)| {
            let v = v
                .as_str()
                .unwrap_or_else(|| panic!("{capability}.{k} is {v}, not a string"));
            (k.clone(), v.to_owned())
        })
        .collect()
}

fn has(container: &Value, capability: &str) -> bool {
    container["capabilities"].get(capability).is_some()
}

/// What Debian's own `dpkg-query -W` says is installed in `container`: one
/// version per name (the greater string when a package is installed for two
/// architectures, as lumogon does).
fn dpkg_query_installed(container: &str) -> Packages {
    let out = fixtures::dpkg_query(
        container,
        &["-W", "-f", "${Status}\t${Package}\t${Version}\n"],
    );
    let mut packages = Packages::new();
    for line in out.lines() {
        let mut fields = line.split('\t');
        let (Some(status), Some(name), Some(version)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        if status == "install ok installed" {
            let entry = packages.entry(name.to_owned()).or_default();
            if entry.as_str() < version {
                *entry = version.to_owned();
            }
        }
    }
    assert!(
        packages.len() > 10,
        "too few packages to prove anything: {packages:?}"
    );
    packages
}

fn screens(collector: &Collector) -> Vec<Vec<(String, String)>> {
    collector.hits()
}

#[test]
fn scan_reports_each_fixture_as_the_engine_api_and_the_package_tools_see_it() {
    let debian = Fixture::debian().expect("debian image");
    let alpine = Fixture::alpine().expect("alpine image");
    let scratch = Fixture::scratch().expect("scratch image");
    let rpm_dir = tempfile::tempdir().expect("tempdir");
    let rpm_db = rpmdb::build_rpmdb(rpm_dir.path());
    let rpm = Fixture::rpm(&rpm_db).expect("rpm image");

    let web = debian
        .start(
            &ContainerSpec::new()
                .label("tier", "frontend")
                .hostname("web-1"),
        )
        .expect("start");
    let web2 = debian
        .start(&ContainerSpec::new().label("tier", "frontend"))
        .expect("start");
    let cache = alpine
        .start(&ContainerSpec::new().label("tier", "cache"))
        .expect("start");
    let empty = scratch.start(&ContainerSpec::new()).expect("start");
    let rocky = rpm
        .start(&ContainerSpec::new().label("os", "rocky"))
        .expect("start");

    let collector = Collector::start(200);
    // Every running container is scanned, so whatever else runs on this
    // machine is too: the deadline keeps that from stretching the run past
    // the runner's hang guard. This test's own containers are the newest,
    // which the daemon lists, and lumogon scans, first.
    let out = lumogon(&["scan", "--timeout", "20"], &collector).run();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(
        out.stderr, "",
        "nothing on stderr when it is not a terminal"
    );
    let report = json(&out);
    assert_eq!(
        report["$schema"],
        "http://puppet.com/lumogon/core/draft-01/schema#1"
    );
    assert_eq!(report["owner"], "default");
    let containers = report["containers"].as_object().expect("containers");

    let debian_packages = {
        let mut p = dpkg_query_installed(&web.id);
        p.insert(
            fixtures::DISTROLESS_PACKAGE.to_owned(),
            fixtures::DISTROLESS_VERSION.to_owned(),
        );
        p
    };
    for c in [&web, &web2, &cache, &empty, &rocky] {
        let entry = containers
            .get(&c.id)
            .unwrap_or_else(|| panic!("{} missing from the scan", c.name));
        let api = fixtures::inspect(&c.id).expect("inspect");
        assert_eq!(entry["container_id"], c.id.as_str());
        // The Engine API's name, with the leading slash Docker gives it.
        let name = format!("/{}", api.name.trim_start_matches('/'));
        assert_eq!(entry["container_name"], name.as_str());
        assert_eq!(payload(entry, "label"), api.labels, "labels of {}", c.name);
        // The original's inspect settings (compat.rs checks all 33 against
        // `docker inspect`); never the command.
        let container = &entry["capabilities"]["container"];
        assert_eq!(container["title"], "Container Information");
        let container = &container["payload"];
        assert_eq!(container["image"], api.image.as_str());
        assert_eq!(container["hostname"], api.hostname.as_str());
        assert_eq!(container["privileged"], "false");
        assert!(container["shmsize"].is_u64(), "{container:#}");
        assert!(container.get("Command").is_none(), "{container:#}");
        assert_eq!(
            entry["capabilities"]["docker"]["title"],
            "Docker Server Information"
        );
        assert_eq!(entry["capabilities"]["diff"]["title"], "Changed Files");
        let docker = payload(entry, "docker");
        assert!(
            docker.contains_key("Version") && docker.contains_key("APIVersion"),
            "{docker:?}"
        );
        let host = payload(entry, "host");
        assert_eq!(host["hostname"], api.hostname);
        assert_eq!(host["os"], "linux");
        assert!(has(entry, "diff"));
        assert!(entry.get("error").is_none());
    }

    let web_entry = &containers[&web.id];
    assert_eq!(payload(web_entry, "host")["hostname"], "web-1");
    assert_eq!(payload(web_entry, "host")["platform"], "debian");
    // From /etc/debian_version, which comes before os-release.
    assert_eq!(
        payload(web_entry, "host")["platformversion"],
        fixtures::DEBIAN_VERSION.trim()
    );
    assert_eq!(payload(web_entry, "host")["platformfamily"], "debian");
    assert_eq!(
        payload(web_entry, "dpkg"),
        debian_packages,
        "dpkg payload vs dpkg-query -W"
    );
    assert!(!has(web_entry, "apk") && !has(web_entry, "rpm"));

    let cache_entry = &containers[&cache.id];
    let apk: Packages = fixtures::ALPINE_PACKAGES
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
    assert_eq!(payload(cache_entry, "apk"), apk);
    assert_eq!(payload(cache_entry, "host")["platform"], "alpine");
    assert_eq!(
        payload(cache_entry, "host")["platformversion"],
        fixtures::ALPINE_RELEASE.trim()
    );
    assert!(!has(cache_entry, "dpkg") && !has(cache_entry, "rpm"));

    let rocky_entry = &containers[&rocky.id];
    let rpm_dbpath = rpm_db.parent().expect("the db's directory");
    assert_eq!(
        payload(rocky_entry, "rpm"),
        rpmdb::rpm_query_all(rpm_dbpath),
        "rpm payload vs rpm -qa --queryformat {:?}",
        rpmdb::QUERY_FORMAT
    );
    // redhat-release names Rocky, which the original's family table lacks;
    // os-release's ID_LIKE gives the family.
    let rocky_host = payload(rocky_entry, "host");
    assert_eq!(
        (
            rocky_host["platform"].as_str(),
            rocky_host["platformfamily"].as_str(),
            rocky_host["platformversion"].as_str()
        ),
        ("rocky", "rhel", "9.4")
    );

    let empty_entry = &containers[&empty.id];
    for absent in ["dpkg", "apk", "rpm"] {
        assert!(
            !has(empty_entry, absent),
            "{absent} in a scratch container: {empty_entry:#}"
        );
    }
    assert!(!payload(empty_entry, "host").contains_key("platform"));

    let hits = screens(&collector);
    if ANALYTICS {
        assert_eq!(hits.len(), 1);
        assert!(
            hits[0].contains(&("cd".to_owned(), "scan".to_owned())),
            "{hits:?}"
        );
    } else {
        assert!(hits.is_empty());
    }
}

#[test]
fn containers_are_named_by_id_prefix_or_name_and_stopped_ones_too() {
    let fixture = Fixture::alpine().expect("image");
    let a = fixture.start(&ContainerSpec::new()).expect("start");
    let b = fixture.start(&ContainerSpec::new()).expect("start");
    let created = fixture.create(&ContainerSpec::new()).expect("create");
    let collector = Collector::start(200);

    let prefix = &a.id[..16];
    let out = lumogon(&["scan", prefix, &b.name, &created.name, &a.id], &collector).run();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let report = json(&out);
    let ids: Vec<&String> = report["containers"]
        .as_object()
        .expect("containers")
        .keys()
        .collect();
    let mut expected = vec![&a.id, &b.id, &created.id];
    expected.sort();
    assert_eq!(ids, expected, "each named once, in ID order");
    let stopped = &report["containers"][&created.id];
    assert_eq!(
        stopped["capabilities"]["container"]["payload"]["image"],
        fixture.image()
    );
    assert_eq!(
        payload(stopped, "apk").len(),
        fixtures::ALPINE_PACKAGES.len()
    );
    // Arguments never reach analytics.
    for request in collector.requests() {
        for arg in [prefix, b.name.as_str(), created.name.as_str()] {
            assert!(!request.raw().contains(arg));
        }
    }
}

#[test]
fn a_name_that_matches_nothing_or_several_is_a_one_line_error() {
    let fixture = Fixture::scratch().expect("image");
    // Containers until two IDs share a first character: at most 17.
    let mut seen: BTreeMap<char, String> = BTreeMap::new();
    let shared = loop {
        let c = fixture.create(&ContainerSpec::new()).expect("create");
        let first = c.id.chars().next().unwrap_or('0');
        if seen.insert(first, c.id.clone()).is_some() {
            break first.to_string();
        }
    };
    let collector = Collector::start(200);

    let out = lumogon(&["scan", &shared], &collector).run();
    assert_eq!((out.code, out.stdout.as_str()), (Some(1), ""));
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    // Other tests create containers meanwhile: at least the two made here.
    let count: usize = out
        .stderr
        .split(&format!("\"{shared}\" matches "))
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no match count in {}", out.stderr));
    assert!(count >= 2, "{}", out.stderr);
    assert!(out.stderr.contains("give more of the ID"), "{}", out.stderr);

    let out = lumogon(&["scan", "lumogon-test-no-such-container"], &collector).run();
    assert_eq!((out.code, out.stdout.as_str()), (Some(1), ""));
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("no container matches \"lumogon-test-no-such-container\""),
        "{}",
        out.stderr
    );
}

#[test]
fn a_container_removed_during_the_scan_says_so_and_the_others_are_reported() {
    let fixture = Fixture::alpine().expect("image");
    let stays = fixture.start(&ContainerSpec::new()).expect("start");
    let goes = fixture.start(&ContainerSpec::new()).expect("start");
    let goes_id = goes.id.clone();
    // Removed after lumogon has listed it and before it inspects it.
    let proxy = DockerProxy::start(move || {
        fixtures::remove_container(&goes_id).expect("remove the container");
    });
    let collector = Collector::start(200);
    let out = Lumogon::new(&["scan", &stays.id, &goes.id])
        .env("DOCKER_HOST", proxy.docker_host())
        .collector(&collector.url())
        .run();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let report = json(&out);
    let gone = &report["containers"][&goes.id];
    assert_eq!(
        gone["error"], "the container was removed during the scan",
        "{gone:#}"
    );
    assert_eq!(gone["capabilities"], serde_json::json!({}));
    let kept = &report["containers"][&stays.id];
    assert_eq!(payload(kept, "apk").len(), fixtures::ALPINE_PACKAGES.len());
}

#[test]
fn no_daemon_is_a_one_line_error_naming_docker_host() {
    let collector = Collector::start(200);
    for args in [
        &["scan"][..],
        &["report", "--endpoint", "http://127.0.0.1:9/x"][..],
    ] {
        let out = Lumogon::new(args).collector(&collector.url()).run();
        assert_eq!((out.code, out.stdout.as_str()), (Some(1), ""), "{args:?}");
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        assert!(
            out.stderr
                .contains("cannot reach the Docker daemon at unix:///nonexistent"),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("DOCKER_HOST"), "{}", out.stderr);
    }
}

#[test]
fn corrupt_package_databases_give_that_capability_an_error() {
    use fixtures::Entry;
    let mut files = vec![
        Entry::file("/etc/os-release", "ID=debian\nVERSION_ID=12\n", 0o644),
        // An installed package without a version.
        Entry::file(
            "/var/lib/dpkg/status",
            "Package: broken\nStatus: install ok installed\n\n",
            0o644,
        ),
        // An apk entry cut off before its version.
        Entry::file("/lib/apk/db/installed", "P:musl\nA:x86_64\n", 0o644),
        // Not an SQLite file at all.
        Entry::file("/var/lib/rpm/rpmdb.sqlite", vec![0xAB_u8; 4096], 0o644),
    ];
    files.extend(fixtures::scratch());
    let broken = Fixture::build("broken", &files).expect("image");
    let bdb = Fixture::build(
        "berkeley",
        &[Entry::file(
            "/var/lib/rpm/Packages",
            vec![0_u8; 8192],
            0o644,
        )],
    )
    .expect("image");
    let a = broken.start(&ContainerSpec::new()).expect("start");
    let b = bdb.start(&ContainerSpec::new()).expect("start");

    let collector = Collector::start(200);
    let out = lumogon(&["scan", &a.id, &b.id], &collector).run();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let report = json(&out);
    let broken_entry = &report["containers"][&a.id];
    for capability in ["dpkg", "apk", "rpm"] {
        let entry = &broken_entry["capabilities"][capability];
        assert!(entry.get("payload").is_none(), "{capability}: {entry:#}");
        assert!(
            entry["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{capability}: {entry:#}"
        );
    }
    // The other capabilities of that container are still there.
    assert_eq!(payload(broken_entry, "host")["platform"], "debian");
    let bdb_error = report["containers"][&b.id]["capabilities"]["rpm"]["error"]
        .as_str()
        .unwrap_or_default();
    assert!(
        bdb_error.contains("Berkeley DB") && bdb_error.contains("not supported"),
        "{bdb_error}"
    );
}

#[test]
fn report_uploads_the_report_and_one_upload_event() {
    let fixture = Fixture::alpine().expect("image");
    let c = fixture
        .start(&ContainerSpec::new().label("app", "report-test"))
        .expect("start");
    let analytics = Collector::start(200);
    let service = Collector::start(201);
    let out = lumogon(
        &["report", &c.name, "--endpoint", &service.at("/api/reports")],
        &analytics,
    )
    .run();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(out.stderr, "");

    let uploads = service.requests();
    assert_eq!(uploads.len(), 1);
    assert_eq!(
        (uploads[0].method.as_str(), uploads[0].path.as_str()),
        ("POST", "/api/reports")
    );
    let report: Value = serde_json::from_str(&uploads[0].body).expect("the upload is JSON");
    assert_eq!(
        payload(&report["containers"][&c.id], "label")["app"],
        "report-test"
    );
    let id = report["reportid"].as_str().unwrap_or_default();
    assert!(
        out.stdout.contains(id) && out.stdout.contains("HTTP 201"),
        "{}",
        out.stdout
    );

    let hits = analytics.hits();
    if ANALYTICS {
        let kinds: Vec<Vec<(&str, &str)>> = hits
            .iter()
            .map(|h| {
                h.iter()
                    .filter(|(k, _)| ["t", "cd", "ec", "ea"].contains(&k.as_str()))
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect()
            })
            .collect();
        assert_eq!(
            kinds,
            [
                vec![("t", "screenview"), ("cd", "report")],
                vec![("t", "event"), ("ec", "UX"), ("ea", "upload")]
            ]
        );
        // Neither the endpoint nor the container's name went to analytics.
        for request in analytics.requests() {
            assert!(!request.raw().contains("api/reports") && !request.raw().contains(&c.name));
        }
    } else {
        assert!(hits.is_empty());
    }
}

#[test]
fn a_failed_upload_keeps_the_report_on_disk_and_says_where() {
    let fixture = Fixture::scratch().expect("image");
    let c = fixture.start(&ContainerSpec::new()).expect("start");
    let collector = Collector::start(200);
    let failing = Collector::start(500);
    let hole = BlackHole::tcp();
    let endpoints = [
        (failing.at("/api"), "500 Internal Server Error"),
        (
            format!("http://127.0.0.1:{}/api", refused_port()),
            "refused",
        ),
        (
            format!("{}/api", hole.collect_url().trim_end_matches("/collect")),
            "no answer within 1 s",
        ),
    ];
    for (endpoint, why) in endpoints {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = lumogon(
            &["report", &c.id, "--endpoint", &endpoint, "--timeout", "1"],
            &collector,
        )
        .current_dir(dir.path())
        .run();
        assert_eq!(
            (out.code, out.stdout.as_str()),
            (Some(1), ""),
            "{endpoint}: {}",
            out.stderr
        );
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        assert!(out.stderr.contains(why), "{why:?} not in {}", out.stderr);
        let saved: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .flatten()
            .map(|e| e.path())
            .collect();
        assert_eq!(saved.len(), 1, "{saved:?}");
        assert!(
            out.stderr.contains(&saved[0].display().to_string()),
            "{}",
            out.stderr
        );
        let report: Value =
            serde_json::from_slice(&std::fs::read(&saved[0]).expect("read")).expect("JSON");
        assert!(report["containers"].get(&c.id).is_some());
    }
    // The refused endpoint's password never reaches the terminal.
    let dir = tempfile::tempdir().expect("tempdir");
    let endpoint = format!("http://u:hunter2@127.0.0.1:{}/", refused_port());
    let out = lumogon(&["report", &c.id, "--endpoint", &endpoint], &collector)
        .current_dir(dir.path())
        .run();
    assert_eq!(out.code, Some(1));
    assert!(
        !out.stderr.contains("hunter2") && out.stderr.contains("u:***@"),
        "{}",
        out.stderr
    );
}

//! End-to-end: remote engines (issue 15), on loopback only. The one real
//! daemon of this machine is reached every other way a person reaches a
//! remote one: through an sshd on 127.0.0.1 (`ssh://`), through a TLS
//! endpoint that wants client certificates (`tcp://` with
//! `DOCKER_TLS_VERIFY`), through a docker context the real docker CLI made,
//! and as two "engines" made of two proxies that each show their own
//! containers under a daemon ID of their own.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use lumogon_tests::ANALYTICS;
use lumogon_tests::collector::Collector;
use lumogon_tests::engine_proxy::EngineProxy;
use lumogon_tests::fixtures::{self, Container, ContainerSpec, Fixture};
use lumogon_tests::lumogon::{Lumogon, Output};
use lumogon_tests::sshd::{Key, Sshd};
use lumogon_tests::tls_engine::TlsEngine;
use serde_json::Value;

const LOCAL: &str = "unix:///var/run/docker.sock";
/// A Unix socket that nothing listens on.
const NOWHERE: &str = "unix:///nonexistent/lumogon-tests/engine.sock";

/// `scan` of `names`, bounded, without the slow `docker diff`.
fn scan(names: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "scan",
        "--timeout",
        "20",
        "--capabilities",
        "container,label,host,dpkg",
    ]
    .map(str::to_owned)
    .to_vec();
    args.extend(names.iter().map(|n| (*n).to_owned()));
    args
}

/// Where every run's analytics go: a collector on 127.0.0.1, never the
/// real one.
fn collector() -> &'static Collector {
    static COLLECTOR: OnceLock<Collector> = OnceLock::new();
    COLLECTOR.get_or_init(|| Collector::start(200))
}

fn lumogon(args: &[String]) -> Lumogon {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    Lumogon::new(&args).collector(&collector().url())
}

fn json(out: &Output) -> Value {
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: not JSON:\n{}\n{}", out.stdout, out.stderr))
}

/// The report's containers by name (without the leading `/`).
fn by_name(report: &Value) -> BTreeMap<String, Value> {
    report["containers"]
        .as_object()
        .unwrap_or_else(|| panic!("no containers in {report:#}"))
        .values()
        .map(|c| {
            let name = c["container_name"].as_str().unwrap_or_default();
            (name.trim_start_matches('/').to_owned(), c.clone())
        })
        .collect()
}

/// Each capability's payload (or error): what must not depend on the way
/// the daemon was reached.
fn payloads(container: &Value) -> BTreeMap<String, Value> {
    container["capabilities"]
        .as_object()
        .unwrap_or_else(|| panic!("no capabilities in {container:#}"))
        .iter()
        .map(|(name, c)| {
            let what = c.get("payload").or_else(|| c.get("error"));
            (name.clone(), what.cloned().unwrap_or(Value::Null))
        })
        .collect()
}

/// A container's report without what differs from one scan to the next
/// (times, report ids) and without `engine`.
fn comparable(container: &Value) -> Value {
    let mut c = container.clone();
    if let Some(c) = c.as_object_mut() {
        for volatile in ["generated", "container_report_id", "engine"] {
            c.remove(volatile);
        }
        if let Some(Value::Object(capabilities)) = c.get_mut("capabilities") {
            for capability in capabilities.values_mut() {
                if let Some(capability) = capability.as_object_mut() {
                    capability.remove("harvestid");
                }
            }
        }
    }
    c
}

/// Exit 1 with one line on stderr and nothing on stdout; returns the line.
fn one_line_failure(out: &Output) -> String {
    assert_eq!(out.code, Some(1), "{out:?}");
    assert_eq!(out.stdout, "", "{out:?}");
    let line = out.stderr.trim_end();
    assert!(
        !line.is_empty() && !line.contains('\n'),
        "one line on stderr: {:?}",
        out.stderr
    );
    line.to_owned()
}

fn debian() -> Fixture {
    Fixture::debian().expect("a Debian-like image")
}

fn start(fixture: &Fixture, spec: &ContainerSpec) -> Container {
    fixture.start(spec).expect("a running container")
}

/// A label value no other test process uses.
fn unique(what: &str) -> String {
    format!("{what}-{}", fixtures::run_id())
}

// ---------------------------------------------------------------- ssh://

#[test]
fn a_scan_through_ssh_reports_what_a_local_scan_does_and_runs_ssh() {
    let sshd = Sshd::start();
    let client = sshd.client(Key::Authorized);
    let debian = debian();
    let web = start(&debian, &ContainerSpec::new().label("tier", "ssh"));

    let local = lumogon(&scan(&[&web.name])).real_docker().run();
    assert_eq!(local.code, Some(0), "{}", local.stderr);
    let remote = lumogon(&scan(&[&web.name]))
        .env("DOCKER_HOST", sshd.docker_host())
        .env("PATH", client.path_env())
        .run();
    assert_eq!(
        remote.code,
        Some(0),
        "{}\nsshd said:\n{}",
        remote.stderr,
        sshd.log()
    );
    assert_eq!(remote.stderr, "");

    let local = by_name(&json(&local));
    let remote = by_name(&json(&remote));
    assert_eq!(local.len(), 1, "{local:#?}");
    assert_eq!(remote.len(), 1, "{remote:#?}");
    let (l, r) = (&local[&web.name], &remote[&web.name]);
    assert_eq!(l["engine"], LOCAL);
    assert_eq!(r["engine"], sshd.docker_host().as_str());
    assert_eq!(l["container_id"], web.id.as_str());
    assert_eq!(comparable(l), comparable(r));
    assert!(
        payloads(r)["dpkg"]
            .as_object()
            .is_some_and(|p| p.len() > 10),
        "the packages came through ssh: {r:#}"
    );

    let calls = client.calls();
    assert!(!calls.is_empty(), "lumogon ran the ssh on PATH");
    let expected = format!(
        "-o BatchMode=yes -o ConnectTimeout=10 -T -p {} -- {}@127.0.0.1 docker system dial-stdio",
        sshd.docker_host().rsplit(':').next().unwrap_or_default(),
        sshd.user()
    );
    for call in &calls {
        assert_eq!(call, &expected);
    }
}

#[test]
fn a_refused_ssh_key_is_a_one_line_error_that_says_so() {
    let sshd = Sshd::start();
    let stranger = sshd.client(Key::Stranger);
    let out = lumogon(&scan(&["lumogon-test-nothing"]))
        .env("DOCKER_HOST", sshd.docker_host())
        .env("PATH", stranger.path_env())
        .run();
    let line = one_line_failure(&out);
    assert!(
        line.contains(&format!(
            "ssh: {}@127.0.0.1: Permission denied (publickey)",
            sshd.user()
        )),
        "{line}"
    );
    assert!(!stranger.calls().is_empty(), "ssh was tried");
}

#[test]
fn an_ssh_engine_that_refuses_the_key_is_listed_beside_one_that_answers() {
    let sshd = Sshd::start();
    let stranger = sshd.client(Key::Stranger);
    let label = unique("beside-ssh");
    let proxy = EngineProxy::start(&unique("engine"), "lumogon.test.engine", &label);
    let debian = debian();
    let c = start(
        &debian,
        &ContainerSpec::new().label("lumogon.test.engine", &label),
    );
    let mut args = scan(&[]);
    args.extend(["--host".to_owned(), sshd.docker_host()]);
    args.extend(["--host".to_owned(), proxy.docker_host()]);
    let out = lumogon(&args).env("PATH", stranger.path_env()).run();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let report = json(&out);
    let found = by_name(&report);
    assert_eq!(found.keys().collect::<Vec<_>>(), [&c.name], "{report:#}");
    assert_eq!(found[&c.name]["engine"], proxy.docker_host().as_str());
    let why = report["engine_errors"][sshd.docker_host()]
        .as_str()
        .unwrap_or_else(|| panic!("the ssh engine in engine_errors: {report:#}"));
    assert!(why.contains("Permission denied (publickey)"), "{why}");
}

#[test]
fn an_ssh_host_that_looks_like_an_option_stays_a_host() {
    let sshd = Sshd::start();
    let client = sshd.client(Key::Authorized);
    let cwd = tempfile::tempdir().expect("tempdir");
    let destination = "-oProxyCommand=touch${IFS}pwned";
    let out = lumogon(&scan(&["lumogon-test-nothing"]))
        .env("DOCKER_HOST", format!("ssh://{destination}"))
        .env("PATH", client.path_env())
        .current_dir(cwd.path())
        .run();
    let line = one_line_failure(&out);
    assert!(line.contains("ssh: "), "ssh's own words: {line}");
    assert!(
        !cwd.path().join("pwned").exists(),
        "the host was taken for an option: {line}"
    );
    let calls = client.calls();
    assert!(!calls.is_empty());
    for call in calls {
        assert!(
            call.ends_with(&format!("-- {destination} docker system dial-stdio")),
            "{call}"
        );
    }
}

#[test]
fn an_engine_in_no_known_form_is_a_usage_error() {
    for host in ["foo://x", "docker.sock", "tcp://", "ssh://"] {
        for how in ["DOCKER_HOST", "--host"] {
            let mut args = scan(&["lumogon-test-nothing"]);
            let mut run = if how == "--host" {
                args.extend(["--host".to_owned(), host.to_owned()]);
                lumogon(&args)
            } else {
                lumogon(&args).env("DOCKER_HOST", host)
            };
            let out = run.run();
            assert_eq!(out.code, Some(2), "{how} {host}: {out:?}");
            assert!(
                out.stderr.contains(&format!("{how}=\"{host}\""))
                    || out.stderr.contains(&format!("{how} \"{host}\"")),
                "{how} {host}: the message names it: {}",
                out.stderr
            );
        }
    }
}

#[test]
fn ssh_missing_from_path_is_the_error_that_says_so() {
    let empty = tempfile::tempdir().expect("tempdir");
    let out = lumogon(&scan(&["lumogon-test-nothing"]))
        .env("DOCKER_HOST", "ssh://root@127.0.0.1:1")
        .env("PATH", empty.path())
        .run();
    let line = one_line_failure(&out);
    assert!(line.contains("the ssh program is not on PATH"), "{line}");
}

#[test]
fn version_with_an_ssh_docker_host_runs_no_ssh() {
    let sshd = Sshd::start();
    let client = sshd.client(Key::Authorized);
    let collector = Collector::start(200);
    let out = Lumogon::new(&["version"])
        .collector(&collector.url())
        .env("DOCKER_HOST", sshd.docker_host())
        .env("PATH", client.path_env())
        .run();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(
        client.calls(),
        Vec::<String>::new(),
        "no ssh for the analytics client id"
    );
    let hits = collector.hits();
    if ANALYTICS {
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(
            hits[0].contains(&("cd".to_owned(), "version".to_owned())),
            "{hits:?}"
        );
    } else {
        assert!(hits.is_empty(), "{hits:?}");
    }
}

// --------------------------------------------------------- tcp:// with TLS

fn tls_scan(engine: &TlsEngine, cert_path: &Path, names: &[&str]) -> Output {
    lumogon(&scan(names))
        .env("DOCKER_HOST", engine.docker_host())
        .env("DOCKER_TLS_VERIFY", "1")
        .env("DOCKER_CERT_PATH", cert_path)
        .run()
}

#[test]
fn tls_with_client_certificates_scans_through_the_endpoint() {
    let engine = TlsEngine::start();
    let debian = debian();
    let db = start(&debian, &ContainerSpec::new().label("tier", "tls"));
    let out = tls_scan(&engine, &engine.cert_path(), &[&db.name]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let report = by_name(&json(&out));
    assert_eq!(report.len(), 1, "{report:#?}");
    assert_eq!(report[&db.name]["engine"], engine.docker_host().as_str());
    assert_eq!(report[&db.name]["container_id"], db.id.as_str());
    assert!(
        engine.handshakes() > 0,
        "the scan went through the endpoint"
    );

    // The analytics client id is never asked of a remote engine.
    let before = engine.connections();
    let out = lumogon(&["version".to_owned()])
        .env("DOCKER_HOST", engine.docker_host())
        .env("DOCKER_TLS_VERIFY", "1")
        .env("DOCKER_CERT_PATH", engine.cert_path())
        .run();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(engine.connections(), before, "`version` reached no engine");
}

#[test]
fn tls_without_the_client_files_names_the_missing_one() {
    let engine = TlsEngine::start();
    let only_ca = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        engine.cert_path().join("ca.pem"),
        only_ca.path().join("ca.pem"),
    )
    .expect("copy ca.pem");
    let out = tls_scan(&engine, only_ca.path(), &["lumogon-test-nothing"]);
    let line = one_line_failure(&out);
    let cert = only_ca.path().join("cert.pem");
    assert!(
        line.contains(&format!(
            "the client certificate {} is missing",
            cert.display()
        )),
        "{line}"
    );
    assert_eq!(
        engine.connections(),
        0,
        "nothing was tried without the files"
    );
}

#[test]
fn tls_with_a_client_certificate_from_another_ca_is_refused() {
    let engine = TlsEngine::start();
    let out = tls_scan(
        &engine,
        &engine.foreign_cert_path(),
        &["lumogon-test-nothing"],
    );
    let line = one_line_failure(&out);
    assert!(line.contains(&engine.docker_host()), "{line}");
    assert!(engine.connections() > 0, "lumogon tried the endpoint");
    assert_eq!(engine.handshakes(), 0, "the endpoint let no stranger in");
}

// ---------------------------------------------------------------- contexts

/// The real docker CLI, on a configuration directory of the test's.
fn docker_cli(config: &Path, args: &[&str]) {
    let out = Command::new("docker")
        .args(args)
        .env("DOCKER_CONFIG", config)
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .output()
        .expect("run the docker CLI");
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_docker_context_reaches_its_tls_engine_whichever_way_it_is_chosen() {
    let engine = TlsEngine::start();
    let debian = debian();
    let app = start(&debian, &ContainerSpec::new().label("tier", "context"));
    let config = tempfile::tempdir().expect("tempdir");
    // The docker CLI copies the files into its store; they are gone from
    // where they were before lumogon runs, so only the store can serve.
    let given = tempfile::tempdir().expect("tempdir");
    let certs = given.path();
    for file in ["ca.pem", "cert.pem", "key.pem"] {
        std::fs::copy(engine.cert_path().join(file), certs.join(file)).expect("copy a TLS file");
    }
    let docker = format!(
        "host={},ca={},cert={},key={}",
        engine.docker_host(),
        certs.join("ca.pem").display(),
        certs.join("cert.pem").display(),
        certs.join("key.pem").display()
    );
    docker_cli(
        config.path(),
        &["context", "create", "lumogon-tls", "--docker", &docker],
    );
    drop(given);
    let in_config = |args: &[String]| {
        lumogon(args)
            .env_remove("DOCKER_HOST")
            .env("DOCKER_CONFIG", config.path())
    };
    let through_the_engine = |how: &str, out: Output, before: usize| {
        assert_eq!(out.code, Some(0), "{how}: {}", out.stderr);
        let report = by_name(&json(&out));
        assert_eq!(report.len(), 1, "{how}: {report:#?}");
        assert_eq!(
            report[&app.name]["engine"],
            engine.docker_host().as_str(),
            "{how}"
        );
        assert!(
            engine.handshakes() > before,
            "{how}: the scan went through the TLS endpoint"
        );
    };

    let before = engine.handshakes();
    let out = in_config(&scan(&[&app.name]))
        .env("DOCKER_CONTEXT", "lumogon-tls")
        .run();
    through_the_engine("DOCKER_CONTEXT", out, before);

    let before = engine.handshakes();
    let mut args = scan(&[&app.name]);
    args.extend(["--context".to_owned(), "lumogon-tls".to_owned()]);
    through_the_engine("--context", in_config(&args).run(), before);

    docker_cli(config.path(), &["context", "use", "lumogon-tls"]);
    let before = engine.handshakes();
    through_the_engine(
        "currentContext",
        in_config(&scan(&[&app.name])).run(),
        before,
    );

    // The analytics client id is never asked of a remote engine.
    let before = engine.connections();
    let out = in_config(&["version".to_owned()]).run();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(
        engine.connections(),
        before,
        "`version` with a TLS context asks nothing of its engine"
    );

    let before = engine.connections();
    let out = in_config(&scan(&[&app.name]))
        .env("DOCKER_CONTEXT", "lumogon-tls")
        .env("DOCKER_HOST", LOCAL)
        .run();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(by_name(&json(&out))[&app.name]["engine"], LOCAL);
    assert_eq!(
        engine.connections(),
        before,
        "DOCKER_HOST wins over DOCKER_CONTEXT"
    );
}

// ---------------------------------------------------------- several engines

#[test]
fn several_engines_in_one_report_each_container_once_under_its_engine() {
    let (one, two) = (unique("one"), unique("two"));
    let key = "lumogon.test.engine";
    let id_a = unique("engine-a");
    let a = EngineProxy::start(&id_a, key, &one);
    let b = EngineProxy::start(&unique("engine-b"), key, &two);
    let debian = debian();
    let a1 = start(&debian, &ContainerSpec::new().label(key, &one));
    let a2 = start(&debian, &ContainerSpec::new().label(key, &one));
    let b1 = start(&debian, &ContainerSpec::new().label(key, &two));
    let hosts = |extra: &[&str]| {
        let mut args = scan(&[]);
        for host in [a.docker_host(), b.docker_host()] {
            args.extend(["--host".to_owned(), host]);
        }
        for host in extra {
            args.extend(["--host".to_owned(), (*host).to_owned()]);
        }
        args
    };
    let expected: BTreeMap<String, String> = [
        (a1.name.clone(), a.docker_host()),
        (a2.name.clone(), a.docker_host()),
        (b1.name.clone(), b.docker_host()),
    ]
    .into();
    let engines = |report: &Value| -> BTreeMap<String, String> {
        by_name(report)
            .into_iter()
            .map(|(name, c)| (name, c["engine"].as_str().unwrap_or_default().to_owned()))
            .collect()
    };

    let out = lumogon(&hosts(&[])).run();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let report = json(&out);
    assert_eq!(engines(&report), expected, "{report:#}");
    assert_eq!(
        report["containers"].as_object().map(serde_json::Map::len),
        Some(3)
    );
    assert!(
        report
            .get("engine_errors")
            .is_none_or(|e| e.as_object().is_some_and(serde_json::Map::is_empty)),
        "{report:#}"
    );
    assert!(!a.container_requests().is_empty(), "{:?}", a.requests());
    assert!(!b.container_requests().is_empty(), "{:?}", b.requests());

    // One engine that cannot be reached is listed; the others are reported.
    let out = lumogon(&hosts(&[NOWHERE])).run();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let report = json(&out);
    assert_eq!(engines(&report), expected, "{report:#}");
    let errors = report["engine_errors"]
        .as_object()
        .unwrap_or_else(|| panic!("engine_errors: {report:#}"));
    assert_eq!(errors.keys().collect::<Vec<_>>(), [NOWHERE], "{report:#}");
    assert!(
        errors[NOWHERE].as_str().is_some_and(|why| !why.is_empty()),
        "{report:#}"
    );

    // A named container need only be on one of the engines.
    let mut args = hosts(&[]);
    args.push(b1.name.clone());
    let out = lumogon(&args).run();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(
        engines(&json(&out)),
        [(b1.name.clone(), b.docker_host())].into()
    );

    // An engine is its daemon's ID, not its address: a proxy that says it
    // is engine A is asked its ID, then not scanned, whatever it lists.
    let a_again = EngineProxy::start(&id_a, key, &two);
    let mut args = scan(&[]);
    for host in [a.docker_host(), a_again.docker_host()] {
        args.extend(["--host".to_owned(), host]);
    }
    let out = lumogon(&args).run();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(
        engines(&json(&out)),
        [
            (a1.name.clone(), a.docker_host()),
            (a2.name.clone(), a.docker_host()),
        ]
        .into()
    );
    assert!(!a_again.requests().is_empty(), "it was asked its ID");
    assert_eq!(a_again.container_requests(), Vec::<String>::new());
}

#[test]
fn report_uploads_one_report_of_several_engines() {
    let (one, two) = (unique("report-one"), unique("report-two"));
    let key = "lumogon.test.engine";
    let a = EngineProxy::start(&unique("report-a"), key, &one);
    let b = EngineProxy::start(&unique("report-b"), key, &two);
    let debian = debian();
    let on_a = start(&debian, &ContainerSpec::new().label(key, &one));
    let on_b = start(&debian, &ContainerSpec::new().label(key, &two));
    let service = Collector::start(201);
    let mut args = scan(&[]);
    args[0] = "report".to_owned();
    args.extend(["--endpoint".to_owned(), service.at("/api/reports")]);
    for host in [a.docker_host(), NOWHERE.to_owned(), b.docker_host()] {
        args.extend(["--host".to_owned(), host]);
    }
    let out = lumogon(&args).run();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let uploads = service.requests();
    assert_eq!(uploads.len(), 1, "{uploads:?}");
    let report: Value = serde_json::from_str(&uploads[0].body).expect("the upload is JSON");
    let engines: BTreeMap<String, String> = by_name(&report)
        .into_iter()
        .map(|(name, c)| (name, c["engine"].as_str().unwrap_or_default().to_owned()))
        .collect();
    assert_eq!(
        engines,
        [
            (on_a.name.clone(), a.docker_host()),
            (on_b.name.clone(), b.docker_host()),
        ]
        .into(),
        "{report:#}"
    );
    assert!(report["engine_errors"][NOWHERE].is_string(), "{report:#}");
}

#[test]
fn when_no_engine_can_be_reached_the_scan_fails() {
    let second = "unix:///nonexistent/lumogon-tests/other.sock";
    let mut args = scan(&[]);
    args.extend(["--host", NOWHERE, "--host", second].map(str::to_owned));
    let line = one_line_failure(&lumogon(&args).run());
    assert!(line.contains("no Docker engine could be reached"), "{line}");
}

#[test]
fn the_same_daemon_reached_twice_is_scanned_once() {
    let engine = TlsEngine::start();
    let debian = debian();
    let one = start(&debian, &ContainerSpec::new().label("tier", "twice"));
    let two = start(&debian, &ContainerSpec::new().label("tier", "twice"));
    let tls = engine.docker_host();
    // Whichever comes first is the one scanned; the other is only asked
    // its ID. Both orders, so that a second scan cannot hide behind a
    // report keyed by container id.
    for (first, second) in [(LOCAL, tls.as_str()), (tls.as_str(), LOCAL)] {
        let mut args = scan(&[&one.name, &two.name]);
        args.extend(["--host", first, "--host", second].map(str::to_owned));
        let before = engine.handshakes();
        let out = lumogon(&args)
            .env("DOCKER_TLS_VERIFY", "1")
            .env("DOCKER_CERT_PATH", engine.cert_path())
            .run();
        assert_eq!(out.code, Some(0), "{first} then {second}: {}", out.stderr);
        let report = json(&out);
        let found = by_name(&report);
        assert_eq!(found.len(), 2, "{report:#}");
        assert_eq!(
            out.stdout.matches("\"container_id\"").count(),
            2,
            "one entry a container, even before parsing: {report:#}"
        );
        for c in [&one, &two] {
            assert_eq!(found[&c.name]["engine"], first, "{report:#}");
        }
        assert!(
            report
                .get("engine_errors")
                .is_none_or(|e| e.as_object().is_some_and(serde_json::Map::is_empty)),
            "{report:#}"
        );
        assert!(
            engine.handshakes() > before,
            "the TLS engine was reached ({first} then {second})"
        );
    }
}

//! The Docker fixtures themselves, against the real daemon: every image kind
//! builds and runs `/pause` with labels and without a network, the files
//! come back from the archive endpoint as they went in, and dropping a
//! fixture (also during a panic) leaves no container and no image behind.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;

use lumogon_tests::fixtures::{
    self, ALPINE_INSTALLED, ALPINE_OS_RELEASE, ALPINE_PACKAGES, Container, ContainerSpec,
    DEBIAN_OS_RELEASE, DISTROLESS_PACKAGE, DISTROLESS_STANZA, DISTROLESS_STATUS_FILE, Entry,
    Fixture, HOST_DPKG_STATUS, NAME_PREFIX, OS_RELEASE_LINK, PathContents, ROCKY_OS_RELEASE,
    RPMDB_PATH, TEST_LABEL,
};

/// Starts one container with labels and a host name, and checks what the
/// Engine API says about it.
fn start_checked(fixture: &Fixture, kind: &str) -> Container {
    let spec = ContainerSpec::new()
        .label("app", kind)
        .label("com.example.tier", "smoke")
        .hostname(format!("{kind}-host"));
    let started = Instant::now();
    let container = fixture.start(&spec).expect("start a container");
    eprintln!("{kind}: container started in {:?}", started.elapsed());

    let info = fixtures::inspect(&container.id).expect("inspect the container");
    assert!(info.running, "{info:?}");
    assert_eq!(info.status, "running");
    assert!(info.pid > 0, "{info:?}");
    assert_eq!(info.id, container.id);
    assert_eq!(info.name, container.name);
    assert!(info.name.starts_with(NAME_PREFIX), "{}", info.name);
    assert_eq!(info.image, fixture.image());
    assert_eq!(info.image_id, fixture.image_id());
    assert!(info.image_id.starts_with("sha256:"), "{}", info.image_id);
    assert_eq!(info.hostname, format!("{kind}-host"));
    assert!(info.network_disabled, "{info:?}");
    assert_eq!(info.network_mode, "none");
    assert_eq!(
        info.labels.get(TEST_LABEL).map(String::as_str),
        Some(fixtures::run_id())
    );
    assert_eq!(info.labels.get("app").map(String::as_str), Some(kind));
    assert_eq!(
        info.labels.get("com.example.tier").map(String::as_str),
        Some("smoke")
    );
    assert_eq!(info.labels, container.labels);
    assert!(
        fixtures::run_containers()
            .expect("list this run's containers")
            .contains(&container.id)
    );
    container
}

fn file(container: &Container, path: &str) -> Vec<u8> {
    match fixtures::download(&container.id, path).expect("download a file") {
        PathContents::File { contents, .. } => contents,
        other => panic!("{path} is not a regular file: {other:?}"),
    }
}

fn link(container: &Container, path: &str) -> String {
    match fixtures::download(&container.id, path).expect("download a link") {
        PathContents::Symlink { target } => target,
        other => panic!("{path} is not a link: {other:?}"),
    }
}

fn build(kind: &str, make: impl FnOnce() -> fixtures::Result<Fixture>) -> Fixture {
    let started = Instant::now();
    let fixture = make().expect("build the fixture image");
    eprintln!(
        "{kind}: image {} built in {:?}",
        fixture.image(),
        started.elapsed()
    );
    assert!(fixture.image().starts_with("lumogon-test/"));
    let docker = fixtures::docker().expect("docker");
    let image = fixtures::block_on(docker.inspect_image(fixture.image()))
        .expect("run")
        .expect("inspect the image");
    assert_eq!(image.id.as_deref(), Some(fixture.image_id()));
    let config = image.config.expect("an image config");
    assert_eq!(
        config
            .labels
            .unwrap_or_default()
            .get(TEST_LABEL)
            .map(String::as_str),
        Some(fixtures::run_id())
    );
    assert_eq!(config.cmd, Some(vec!["/pause".to_owned()]));
    fixture
}

/// Drops the fixture and checks that its containers and image are gone.
fn drop_and_check(fixture: Fixture) {
    let image = fixture.image().to_owned();
    let image_id = fixture.image_id().to_owned();
    let ids: Vec<String> = fixture.containers().into_iter().map(|c| c.id).collect();
    assert!(!ids.is_empty());
    let started = Instant::now();
    drop(fixture);
    eprintln!("{image}: removed in {:?}", started.elapsed());
    assert_gone(&image, &image_id, &ids);
}

fn assert_gone(image: &str, image_id: &str, ids: &[String]) {
    for id in ids {
        assert!(
            !fixtures::container_exists(id).expect("inspect"),
            "container {id} is still there"
        );
    }
    assert!(!fixtures::image_exists(image).expect("inspect"), "{image}");
    assert!(
        !fixtures::image_exists(image_id).expect("inspect"),
        "{image_id}"
    );
}

#[test]
fn debian_like_image_has_debian_os_release_and_this_machines_dpkg_status() {
    let fixture = build("debian", Fixture::debian);
    let container = start_checked(&fixture, "debian");

    assert_eq!(link(&container, "/etc/os-release"), OS_RELEASE_LINK);
    assert_eq!(
        file(&container, "/usr/lib/os-release"),
        DEBIAN_OS_RELEASE.as_bytes()
    );
    let host_status = std::fs::read(HOST_DPKG_STATUS).expect("this machine's dpkg status");
    assert_eq!(file(&container, "/var/lib/dpkg/status"), host_status);
    match fixtures::download(&container.id, "/var/lib/dpkg/status.d").expect("download") {
        PathContents::Dir { entries } => assert_eq!(entries, [DISTROLESS_PACKAGE]),
        other => panic!("status.d is not a directory: {other:?}"),
    }
    assert_eq!(
        file(&container, DISTROLESS_STATUS_FILE),
        DISTROLESS_STANZA.as_bytes()
    );
    drop_and_check(fixture);
}

#[test]
fn alpine_like_image_has_alpine_os_release_and_apk_database() {
    // The constant that e2e tests compare with matches the database.
    let listed: Vec<(&str, &str)> = ALPINE_INSTALLED
        .split("\n\n")
        .filter(|stanza| !stanza.trim().is_empty())
        .map(|stanza| {
            let field = |key: &str| {
                stanza
                    .lines()
                    .find_map(|line| line.strip_prefix(key))
                    .expect("a P: and a V: line in every stanza")
            };
            (field("P:"), field("V:"))
        })
        .collect();
    assert_eq!(listed, ALPINE_PACKAGES);
    assert!(ALPINE_INSTALLED.ends_with("\n\n"));

    let fixture = build("alpine", Fixture::alpine);
    let container = start_checked(&fixture, "alpine");
    assert_eq!(
        file(&container, "/etc/os-release"),
        ALPINE_OS_RELEASE.as_bytes()
    );
    assert_eq!(
        file(&container, "/lib/apk/db/installed"),
        ALPINE_INSTALLED.as_bytes()
    );
    drop_and_check(fixture);
}

#[test]
fn rpm_like_image_has_rocky_os_release_and_the_given_rpmdb() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let rpmdb = dir.path().join("rpmdb.sqlite");
    let mut contents = b"SQLite format 3\0".to_vec();
    contents.extend((0..=255u8).cycle().take(8192));
    std::fs::write(&rpmdb, &contents).expect("write a stand-in rpmdb");

    let fixture = build("rpm", || Fixture::rpm(&rpmdb));
    let container = start_checked(&fixture, "rpm");
    assert_eq!(link(&container, "/etc/os-release"), OS_RELEASE_LINK);
    assert_eq!(
        file(&container, "/usr/lib/os-release"),
        ROCKY_OS_RELEASE.as_bytes()
    );
    assert_eq!(link(&container, "/etc/redhat-release"), "rocky-release");
    assert_eq!(file(&container, RPMDB_PATH), contents);
    drop_and_check(fixture);
}

#[test]
fn scratch_image_runs_the_static_pause_and_nothing_else() {
    let pause = fixtures::pause_binary().expect("build /pause");
    fixtures::check_static(pause).expect("/pause is static");
    if let Ok(out) = std::process::Command::new("file")
        .arg("-L")
        .arg("/bin/sh")
        .output()
    {
        // The check tells a dynamic executable from a static one.
        let dynamic = String::from_utf8_lossy(&out.stdout).contains("dynamically linked");
        let sh = std::fs::read("/bin/sh").unwrap_or_default();
        assert_eq!(fixtures::check_static(&sh).is_err(), dynamic);
    }

    let fixture = build("scratch", Fixture::scratch);
    let container = start_checked(&fixture, "scratch");
    match fixtures::download(&container.id, "/pause").expect("download /pause") {
        PathContents::File { mode, contents } => {
            assert_eq!(mode & 0o777, 0o755);
            assert_eq!(contents, pause);
        }
        other => panic!("/pause: {other:?}"),
    }
    let missing = fixtures::download(&container.id, "/etc/os-release");
    assert!(missing.is_err(), "{missing:?}");
    drop_and_check(fixture);
}

#[test]
fn containers_can_be_left_unstarted_stopped_and_removed_mid_test() {
    let fixture = build("lifecycle", || {
        Fixture::build("lifecycle", &[Entry::file("/etc/motd", "x\n", 0o644)])
    });

    let idle = fixture
        .create(&ContainerSpec::new().label("state", "created"))
        .expect("create a container");
    let info = fixtures::inspect(&idle.id).expect("inspect");
    assert_eq!(info.status, "created");
    assert!(!info.running);
    assert_eq!(file(&idle, "/etc/motd"), b"x\n");

    let many = fixture
        .start_many(3, &ContainerSpec::new().label("state", "many"))
        .expect("start three containers");
    let names: BTreeSet<&str> = many.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names.len(), 3);
    for container in &many {
        assert!(fixtures::inspect(&container.id).expect("inspect").running);
    }

    // /pause exits on SIGTERM: a stop takes no stop timeout.
    let started = Instant::now();
    fixture.stop(&many[0]).expect("stop a container");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let stopped = fixtures::inspect_raw(&many[0].id).expect("inspect");
    let state = stopped.state.expect("a state");
    assert_eq!(state.exit_code, Some(0));
    assert_eq!(
        fixtures::inspect(&many[0].id).expect("inspect").status,
        "exited"
    );
    fixture.start_created(&many[0]).expect("restart");
    assert!(fixtures::inspect(&many[0].id).expect("inspect").running);

    // A running container disappears.
    fixture
        .remove(&many[1])
        .expect("remove a running container");
    assert!(!fixtures::container_exists(&many[1].id).expect("inspect"));
    assert!(!fixtures::container_exists(&many[1].name).expect("inspect"));
    assert_eq!(fixture.containers().len(), 3);
    assert!(
        !fixtures::run_containers()
            .expect("list")
            .contains(&many[1].id)
    );
    // Removing it again (as cleanup will not) is no error.
    fixtures::remove_container(&many[1].id).expect("remove again");

    drop_and_check(fixture);
}

#[test]
fn a_panicking_test_still_removes_its_containers_and_image() {
    let made = std::sync::Mutex::new(None);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let fixture = Fixture::scratch().expect("build");
        let container = fixture.start(&ContainerSpec::new()).expect("start");
        *made
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some((
            fixture.image().to_owned(),
            fixture.image_id().to_owned(),
            container.id,
        ));
        panic!("an intended panic: the test fails with the fixture alive");
    }));
    assert!(outcome.is_err());
    let (image, image_id, id) = made
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .expect("the fixture was made");
    assert_gone(&image, &image_id, &[id]);
}

/// Removes a container made outside a fixture, when the test ends.
struct Removed(String);

impl Drop for Removed {
    fn drop(&mut self) {
        let _ = fixtures::remove_container(&self.0);
    }
}

#[test]
fn sweep_removes_what_dead_runs_left_and_keeps_live_runs() {
    use bollard::models::{ContainerCreateBody, HostConfig};

    let fixture = build("sweep", Fixture::scratch);
    let ours = fixture.start(&ContainerSpec::new()).expect("start");

    // Another run id of this very process is alive; one whose start time is
    // wrong is a process that is gone.
    let mut parts = fixtures::run_id().rsplitn(4, '-');
    let (_, started, pid, host) = (parts.next(), parts.next(), parts.next(), parts.next());
    let (started, pid, host) = (
        started.expect("a start time"),
        pid.expect("a pid"),
        host.expect("a host"),
    );
    let alive_run = format!("{host}-{pid}-{started}-0000live");
    let dead_run = format!("{host}-{pid}-1-0000dead");

    let docker = fixtures::docker().expect("docker");
    let create = |run: &str| {
        let body = ContainerCreateBody {
            image: Some(fixture.image().to_owned()),
            labels: Some([(TEST_LABEL.to_owned(), run.to_owned())].into()),
            network_disabled: Some(true),
            host_config: Some(HostConfig {
                network_mode: Some("none".to_owned()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let created = fixtures::block_on(docker.create_container(None, body))
            .expect("run")
            .expect("create a container");
        Removed(created.id)
    };
    let alive = create(&alive_run);
    let dead = create(&dead_run);

    // An image a dead run imported, by hand as `docker import` would.
    let tar = fixtures::build_tar(&[Entry::file("/pause", "not run", 0o755)]).expect("a tar");
    let options = bollard::query_parameters::CreateImageOptions {
        from_src: Some("-".to_owned()),
        repo: Some("lumogon-test/sweep-dead".to_owned()),
        tag: Some("leftover".to_owned()),
        changes: vec![format!(r#"LABEL {TEST_LABEL}="{dead_run}""#)],
        ..Default::default()
    };
    fixtures::block_on(
        docker
            .create_image(Some(options), Some(bollard::body_full(tar.into())), None)
            .try_collect::<Vec<_>>(),
    )
    .expect("run")
    .expect("import an image");
    let dead_image = fixtures::block_on(docker.inspect_image("lumogon-test/sweep-dead:leftover"))
        .expect("run")
        .expect("inspect the image")
        .id
        .expect("an image id");

    let report = fixtures::sweep();
    assert!(report.errors.is_empty(), "{report:?}");
    assert!(!report.containers.contains(&alive.0), "{report:?}");
    assert!(!report.containers.contains(&ours.id), "{report:?}");
    assert!(!fixtures::container_exists(&dead.0).expect("inspect"));
    assert!(fixtures::container_exists(&alive.0).expect("inspect"));
    assert!(fixtures::inspect(&ours.id).expect("inspect").running);
    assert!(fixtures::image_exists(fixture.image()).expect("inspect"));
    assert!(!report.images.contains(&fixture.image_id().to_owned()));
    assert!(!fixtures::image_exists(&dead_image).expect("inspect"));
    drop(alive);
    drop(dead);
    drop_and_check(fixture);
}

/// From inside a tokio runtime the synchronous API must neither panic nor
/// deadlock, and neither must the cleanup.
#[tokio::test]
async fn fixtures_work_from_inside_a_tokio_test() {
    let fixture = Fixture::scratch().expect("build");
    let container = fixture.start(&ContainerSpec::new()).expect("start");
    assert!(fixtures::inspect(&container.id).expect("inspect").running);
    drop_and_check(fixture);
}

//! Issue 22: Podman through its Docker-compatible API, and the three
//! engines in one report. A Podman of the tests' own
//! (`lumogon_tests::podman`: Debian's podman, installed when missing; its
//! own storage; `podman system service` on its own socket), an image made
//! with `podman import` from the same root filesystem as the Docker
//! fixture's, a container run without networking; then a containerd
//! container of the same image in `k8s.io` and a Docker one, scanned
//! together: the same `host` and `dpkg` payloads from all three.
//!
//! Like the hostile-container suite, it runs in the default build's pass
//! of the README's test command only: the scan has no code that depends on
//! the `analytics` feature.

#![cfg(feature = "analytics")]

use std::collections::BTreeMap;

use lumogon_tests::containerd::{Containerd, CtrSpec, K8S_NAMESPACE};
use lumogon_tests::fixtures::{self, ContainerSpec, Fixture};
use lumogon_tests::installed;
use lumogon_tests::lumogon::{Lumogon, Output};
use lumogon_tests::podman::Podman;
use serde_json::Value;

const DOCKER: &str = "unix:///var/run/docker.sock";

fn json(out: &Output) -> Value {
    assert_eq!(out.code, Some(0), "{out:?}");
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: not JSON: {out:?}"))
}

fn payload(container: &Value, capability: &str) -> Value {
    container["capabilities"][capability]
        .get("payload")
        .cloned()
        .unwrap_or_else(|| panic!("{capability} has no payload: {container:#}"))
}

/// `host` without the container's host name, which each engine chooses.
fn platform(container: &Value) -> Value {
    let mut host = payload(container, "host");
    host.as_object_mut().map(|o| o.remove("hostname"));
    host
}

#[test]
fn podman_through_docker_host_and_all_three_engines_in_one_report() {
    let podman = Podman::shared();
    let image = podman.import("debian", &fixtures::debian_like().expect("the root"));
    let id = podman.run(&image, &[("tier", "front")]);

    // A person with Podman only: DOCKER_HOST at its socket.
    let alone = json(
        &Lumogon::new(&["scan", "--timeout", "30"])
            .env("DOCKER_HOST", podman.host())
            .env("DO_NOT_TRACK", "1")
            .run(),
    );
    let p = &alone["containers"][&id];
    assert!(
        p["runtime"]
            .as_str()
            .unwrap_or_default()
            .starts_with("podman "),
        "{p:#}"
    );
    assert_eq!(payload(p, "label")["tier"], "front");
    assert_eq!(payload(p, "container")["image"], image.as_str());
    let dpkg: BTreeMap<String, String> =
        serde_json::from_value(payload(p, "dpkg")).expect("names to versions");
    assert_eq!(dpkg, installed::dpkg_in_root(podman.pid(&id)));
    assert_eq!(payload(p, "host")["platformfamily"], "debian");
    assert!(payload(p, "docker")["Version"].is_string(), "{p:#}");

    // The same root filesystem on containerd (a pod's container) and on
    // Docker, all three in one scan.
    let fixture = Fixture::debian().expect("the Debian-like image on Docker");
    let docker = fixture
        .start(&ContainerSpec::new())
        .expect("a Docker container");
    let containerd = Containerd::shared();
    let pod = containerd.run(
        &containerd.import(&fixture, K8S_NAMESPACE),
        K8S_NAMESPACE,
        &CtrSpec::new().pod("shop", "web-0", "nginx"),
    );
    let containerd_host = containerd.host();
    let podman_host = podman.host();
    let all = json(
        &Lumogon::new(&[
            "scan",
            "--timeout",
            "30",
            "--capabilities",
            "label,host,dpkg",
            "--host",
            &containerd_host,
            "--host",
            &podman_host,
            "--host",
            DOCKER,
            &pod.id,
            &id,
            &docker.name,
        ])
        .env("DO_NOT_TRACK", "1")
        .run(),
    );
    let k = &all["containers"][&pod.id];
    let p = &all["containers"][&id];
    let d = &all["containers"][&docker.id];
    for (c, engine, product) in [
        (k, containerd_host.as_str(), "containerd "),
        (p, podman_host.as_str(), "podman "),
        (d, DOCKER, "docker "),
    ] {
        assert_eq!(c["engine"], engine, "{c:#}");
        assert!(
            c["runtime"]
                .as_str()
                .unwrap_or_default()
                .starts_with(product),
            "{c:#}"
        );
        assert_eq!(payload(c, "dpkg"), payload(d, "dpkg"), "dpkg of {engine}");
        assert_eq!(platform(c), platform(d), "host of {engine}");
    }
    assert_eq!(k["kubernetes"]["pod"], "web-0");
}

//! The Docker Engine API, reached through `DOCKER_HOST` (default
//! `unix:///var/run/docker.sock`).

use bollard::Docker;

/// The daemon's anonymous `ID` from `GET /info`, or `None` when there is no
/// daemon to ask.
///
/// Blocking: it runs on the analytics worker's own thread, which gives it at
/// most 200 ms, so it never delays a command.
pub fn daemon_id() -> Option<String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    runtime.block_on(async {
        // The API version in every request path must be one the daemon
        // speaks: ask it first.
        let docker = Docker::connect_with_defaults()
            .ok()?
            .negotiate_version()
            .await
            .ok()?;
        docker.info().await.ok()?.id
    })
}

//! Whether a run is in CI, and on whose. Pure: the environment is passed
//! in.
//!
//! A CI machine has nobody to read the first-run notice and, usually, a
//! fresh home directory on every run: without this, each run would print
//! the notice into a build log and send nothing, forever. So by default a
//! run in CI shows no notice and sends nothing; an application that wants
//! CI runs counted says so (`Config::count_ci_runs`), and they are then
//! marked as CI and counted under one id per vendor.

// Without analytics only `variables` is used (the public list).
#![cfg_attr(not(feature = "analytics"), allow(dead_code))]

/// The variables that name a CI vendor, checked in this order, with the
/// name sent for it and the name a person reads (`analytics status`). A
/// vendor's variable counts when it is set and not empty, `0` or `false`,
/// like every switch here.
pub(crate) const VENDORS: &[(&str, &str, &str)] = &[
    ("GITHUB_ACTIONS", "github_actions", "GitHub Actions"),
    ("GITLAB_CI", "gitlab", "GitLab CI"),
    ("CIRCLECI", "circleci", "CircleCI"),
    ("TRAVIS", "travis", "Travis CI"),
    ("BUILDKITE", "buildkite", "Buildkite"),
    ("JENKINS_URL", "jenkins", "Jenkins"),
    ("TF_BUILD", "azure_pipelines", "Azure Pipelines"),
    ("TEAMCITY_VERSION", "teamcity", "TeamCity"),
    ("BITBUCKET_BUILD_NUMBER", "bitbucket", "Bitbucket Pipelines"),
    ("CODEBUILD_BUILD_ID", "aws_codebuild", "AWS CodeBuild"),
    ("DRONE", "drone", "Drone"),
    ("WOODPECKER", "woodpecker", "Woodpecker"),
    ("APPVEYOR", "appveyor", "AppVeyor"),
    ("SEMAPHORE", "semaphore", "Semaphore"),
    ("BITRISE_IO", "bitrise", "Bitrise"),
    ("CF_BUILD_ID", "codefresh", "Codefresh"),
    ("HEROKU_TEST_RUN_ID", "heroku", "Heroku CI"),
    ("NETLIFY", "netlify", "Netlify"),
    ("VERCEL", "vercel", "Vercel"),
    ("CIRRUS_CI", "cirrus", "Cirrus CI"),
];

/// The variable nearly every CI sets, whatever the vendor.
pub(crate) const CI: &str = "CI";

/// The vendor name sent for a CI that only `CI` names.
const UNKNOWN: &str = "unknown";

/// The CI this run is in, by the name sent for it; `None` outside CI.
/// Generic names some CIs set (`BUILD_ID`, `BUILD_NUMBER`) are not read: a
/// person's shell may have them too.
pub(crate) fn detect(var: &dyn Fn(&str) -> Option<String>) -> Option<&'static str> {
    let set = |name: &str| super::is_set(var(name).as_deref());
    VENDORS
        .iter()
        .find(|(name, _, _)| set(name))
        .map(|(_, vendor, _)| *vendor)
        .or_else(|| set(CI).then_some(UNKNOWN))
}

/// Every variable [`detect`] reads, for an application's own tests that must
/// decide the same in CI as on a workstation.
pub(crate) fn variables() -> impl Iterator<Item = &'static str> {
    std::iter::once(CI).chain(VENDORS.iter().map(|(name, _, _)| *name))
}

/// A vendor's name as a person reads it, for `analytics status`.
pub(crate) fn display(vendor: &str) -> &str {
    if vendor == UNKNOWN {
        return "CI is set";
    }
    VENDORS
        .iter()
        .find(|(_, sent, _)| *sent == vendor)
        .map_or(vendor, |(_, _, shown)| *shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect_in(pairs: &[(&str, &str)]) -> Option<&'static str> {
        let var = |name: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        };
        detect(&var)
    }

    #[test]
    fn vendors_are_named_and_ci_alone_is_unknown() {
        assert_eq!(detect_in(&[]), None);
        assert_eq!(
            detect_in(&[("CI", "true"), ("GITHUB_ACTIONS", "true")]),
            Some("github_actions")
        );
        assert_eq!(detect_in(&[("GITLAB_CI", "true")]), Some("gitlab"));
        assert_eq!(
            detect_in(&[("JENKINS_URL", "https://ci.example/")]),
            Some("jenkins")
        );
        assert_eq!(detect_in(&[("CI", "1")]), Some("unknown"));
        assert_eq!(detect_in(&[("CI", "woodpecker")]), Some("unknown"));
    }

    #[test]
    fn a_switch_set_off_is_not_ci_and_generic_names_are_not_read() {
        assert_eq!(detect_in(&[("CI", "false")]), None);
        assert_eq!(detect_in(&[("CI", "0"), ("TRAVIS", "")]), None);
        assert_eq!(detect_in(&[("BUILD_ID", "42")]), None);
    }

    #[test]
    fn every_vendor_has_a_distinct_name_and_is_read() {
        let names: Vec<&str> = variables().collect();
        for (variable, _, _) in VENDORS {
            assert!(names.contains(variable));
        }
        let mut vendors: Vec<&str> = VENDORS.iter().map(|(_, v, _)| *v).collect();
        vendors.push(UNKNOWN);
        for vendor in &vendors {
            assert_ne!(display(vendor), *vendor, "{vendor} has no name to show");
        }
        vendors.sort_unstable();
        vendors.dedup();
        assert_eq!(vendors.len(), VENDORS.len() + 1);
    }
}

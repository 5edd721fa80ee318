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
/// name sent for it. A vendor's variable counts when it is set and not
/// empty, `0` or `false`, like every switch here.
pub(crate) const VENDORS: &[(&str, &str)] = &[
    ("GITHUB_ACTIONS", "github_actions"),
    ("GITLAB_CI", "gitlab"),
    ("CIRCLECI", "circleci"),
    ("TRAVIS", "travis"),
    ("BUILDKITE", "buildkite"),
    ("JENKINS_URL", "jenkins"),
    ("TF_BUILD", "azure_pipelines"),
    ("TEAMCITY_VERSION", "teamcity"),
    ("BITBUCKET_BUILD_NUMBER", "bitbucket"),
    ("CODEBUILD_BUILD_ID", "aws_codebuild"),
    ("DRONE", "drone"),
    ("WOODPECKER", "woodpecker"),
    ("APPVEYOR", "appveyor"),
    ("SEMAPHORE", "semaphore"),
    ("BITRISE_IO", "bitrise"),
    ("CF_BUILD_ID", "codefresh"),
    ("HEROKU_TEST_RUN_ID", "heroku"),
    ("NETLIFY", "netlify"),
    ("VERCEL", "vercel"),
    ("CIRRUS_CI", "cirrus"),
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
        .find(|(name, _)| set(name))
        .map(|(_, vendor)| *vendor)
        .or_else(|| set(CI).then_some(UNKNOWN))
}

/// Every variable [`detect`] reads, for an application's own tests that must
/// decide the same in CI as on a workstation.
pub(crate) fn variables() -> impl Iterator<Item = &'static str> {
    std::iter::once(CI).chain(VENDORS.iter().map(|(name, _)| *name))
}

/// A vendor's name as a person reads it, for `analytics status`.
pub(crate) fn display(vendor: &str) -> &str {
    match vendor {
        "github_actions" => "GitHub Actions",
        "gitlab" => "GitLab CI",
        "circleci" => "CircleCI",
        "travis" => "Travis CI",
        "buildkite" => "Buildkite",
        "jenkins" => "Jenkins",
        "azure_pipelines" => "Azure Pipelines",
        "teamcity" => "TeamCity",
        "bitbucket" => "Bitbucket Pipelines",
        "aws_codebuild" => "AWS CodeBuild",
        "drone" => "Drone",
        "woodpecker" => "Woodpecker",
        "appveyor" => "AppVeyor",
        "semaphore" => "Semaphore",
        "bitrise" => "Bitrise",
        "codefresh" => "Codefresh",
        "heroku" => "Heroku CI",
        "netlify" => "Netlify",
        "vercel" => "Vercel",
        "cirrus" => "Cirrus CI",
        UNKNOWN => "a CI (CI is set)",
        other => other,
    }
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
        for (variable, _) in VENDORS {
            assert!(names.contains(variable));
        }
        let mut vendors: Vec<&str> = VENDORS.iter().map(|(_, v)| *v).collect();
        vendors.push(UNKNOWN);
        for vendor in &vendors {
            assert_ne!(display(vendor), *vendor, "{vendor} has no name to show");
        }
        vendors.sort_unstable();
        vendors.dedup();
        assert_eq!(vendors.len(), VENDORS.len() + 1);
    }
}

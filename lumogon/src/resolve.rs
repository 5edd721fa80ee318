//! Which containers a command line names: a full ID, a unique ID prefix or a
//! name, as `docker` itself resolves them. Pure logic.

/// A container as its engine lists it (`GET /containers/json`,
/// containerd's `Containers.List`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    pub id: String,
    /// Names without the leading `/`.
    pub names: Vec<String>,
    /// The containerd namespace it was listed in; `None` for Docker.
    pub namespace: Option<String>,
}

/// Resolves each query to one container, in the order given, without
/// duplicates. `lister` names the command that lists the engine's
/// containers (`` `docker ps -a` ``), for the error.
///
/// # Errors
///
/// One line naming the first query that matches nothing or several
/// containers, and what to do about it.
pub fn resolve(
    containers: &[Listed],
    queries: &[String],
    lister: &str,
) -> Result<Vec<Listed>, String> {
    let mut chosen: Vec<Listed> = Vec::new();
    for query in queries {
        let found = resolve_one(containers, query, lister)?;
        if !chosen.iter().any(|c| c.id == found.id) {
            chosen.push(found.clone());
        }
    }
    Ok(chosen)
}

fn resolve_one<'a>(
    containers: &'a [Listed],
    query: &str,
    lister: &str,
) -> Result<&'a Listed, String> {
    find(containers, query)?.ok_or_else(|| {
        format!("no container matches {query:?}; {lister} lists the containers' names and IDs")
    })
}

/// The one container `query` names, `None` when it names none.
///
/// # Errors
///
/// An empty query, or one that names several containers.
pub fn find<'a>(containers: &'a [Listed], query: &str) -> Result<Option<&'a Listed>, String> {
    let name = query.strip_prefix('/').unwrap_or(query);
    if query.is_empty() {
        return Err(
            "an empty container name was given; name a container by its ID or name".to_owned(),
        );
    }
    if let Some(c) = containers.iter().find(|c| c.id == query) {
        return Ok(Some(c));
    }
    if let Some(c) = containers
        .iter()
        .find(|c| c.names.iter().any(|n| n == name))
    {
        return Ok(Some(c));
    }
    let by_prefix: Vec<&Listed> = containers
        .iter()
        .filter(|c| c.id.starts_with(query))
        .collect();
    match by_prefix.as_slice() {
        [one] => Ok(Some(one)),
        [] => Ok(None),
        many => {
            let ids: Vec<&str> = many
                .iter()
                .map(|c| c.id.get(..12).unwrap_or(&c.id))
                .collect();
            Err(format!(
                "{query:?} matches {} containers ({}); give more of the ID",
                many.len(),
                ids.join(", ")
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(id: &str, name: &str) -> Listed {
        Listed {
            id: id.to_owned(),
            names: vec![name.to_owned()],
            namespace: None,
        }
    }

    fn ids(result: Result<Vec<Listed>, String>) -> Result<Vec<String>, String> {
        result.map(|v| v.into_iter().map(|c| c.id).collect())
    }

    fn resolve_docker(all: &[Listed], queries: &[String]) -> Result<Vec<Listed>, String> {
        resolve(all, queries, "`docker ps -a`")
    }

    fn q(queries: &[&str]) -> Vec<String> {
        queries.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn ids_names_and_prefixes() {
        let all = [
            listed("abc123", "web"),
            listed("abd456", "db"),
            listed("fff000", "abc"),
        ];
        assert_eq!(
            ids(resolve_docker(&all, &q(&["abc123"]))),
            Ok(vec!["abc123".into()])
        );
        assert_eq!(
            ids(resolve_docker(&all, &q(&["db", "/web"]))),
            Ok(vec!["abd456".into(), "abc123".into()])
        );
        assert_eq!(
            ids(resolve_docker(&all, &q(&["abd"]))),
            Ok(vec!["abd456".into()])
        );
        // A name wins over an ID prefix, as in docker.
        assert_eq!(
            ids(resolve_docker(&all, &q(&["abc"]))),
            Ok(vec!["fff000".into()])
        );
        // Named twice, reported once.
        assert_eq!(
            ids(resolve_docker(&all, &q(&["web", "abc123"]))),
            Ok(vec!["abc123".into()])
        );
    }

    #[test]
    fn no_match_and_ambiguity_are_one_line_errors() {
        let all = [listed("abc123", "web"), listed("abd456", "db")];
        let err = resolve_docker(&all, &q(&["nope"]))
            .err()
            .unwrap_or_default();
        assert!(err.starts_with("no container matches \"nope\""), "{err}");
        let err = resolve_docker(&all, &q(&["ab"])).err().unwrap_or_default();
        assert_eq!(
            err,
            "\"ab\" matches 2 containers (abc123, abd456); give more of the ID"
        );
        assert!(!err.contains('\n'));
        assert!(resolve_docker(&all, &q(&[""])).is_err());
    }
}

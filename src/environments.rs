//! The team's environments (read only): to find the environment id a key is created in.

use futures::{TryStreamExt, stream::BoxStream};
use serde::{Deserialize, Serialize};

use crate::{
    client::Client,
    error::{Error, Result},
    generated::{into_error, types},
    model::EnvironmentId,
    pagination::{self, Page, RawPage},
};

/// An environment of the team.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Environment {
    /// Its id: what [`NewApiKey`](crate::NewApiKey) takes.
    pub id: EnvironmentId,
    /// Its display name.
    pub name: String,
    /// Its slug.
    pub slug: String,
    /// Its description, if any.
    pub description: Option<String>,
    /// Its color in the UI (`blue`, `lightGreen`, …, or `classic`).
    pub color: Option<String>,
    /// Whether it is protected against deletion.
    pub delete_protected: Option<bool>,
}

impl Client {
    /// The team's environments.
    pub fn environments(&self) -> Environments {
        Environments { client: self.clone(), team: None }
    }
}

/// The environments of a team: `client.environments()`.
///
/// ```no_run
/// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
/// use honeycomb_api_keys::NewApiKey;
///
/// let production = client.environments().find("Production").await?.expect("no such environment");
/// let key = NewApiKey::ingest("checkout", &production.id);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Environments {
    client: Client,
    team: Option<String>,
}

impl Environments {
    /// The same calls for another team.
    pub fn team(mut self, slug: impl Into<String>) -> Self {
        self.team = Some(slug.into());
        self
    }

    /// Every environment, one at a time (pages of `page_size`, 1 to 100; `None` for 100).
    pub fn list(&self, page_size: Option<u32>) -> BoxStream<'static, Result<Environment>> {
        pagination::items(self.pages(page_size))
    }

    /// Every environment, page by page.
    pub fn pages(&self, page_size: Option<u32>) -> BoxStream<'static, Result<Page<Environment>>> {
        pagination::team_list(
            self.client.clone(),
            self.team.clone(),
            "environments",
            page_size,
            None,
            |client, team, cursor, size| async move {
                match client.raw().list_environments(&team, cursor.as_deref(), Some(size)).await {
                    Ok(rv) => {
                        let page = rv.into_inner();
                        Ok(RawPage {
                            items: page.data.into_iter().map(environment_from_wire).collect(),
                            next_link: page.links.and_then(|l| l.next),
                        })
                    }
                    Err(e) => Err(into_error(e, "list_environments").await),
                }
            },
        )
    }

    /// Every environment, in one `Vec`.
    pub async fn collect(&self) -> Result<Vec<Environment>> {
        self.list(None).try_collect().await
    }

    /// Gets one environment by id.
    pub async fn get(&self, id: impl AsRef<str>) -> Result<Environment> {
        const OP: &str = "get_environment";
        let id = EnvironmentId::parse(id.as_ref())?;
        let team = self.client.team_slug(self.team.as_deref()).await?;
        match self.client.raw().get_environment(&team, id.as_str()).await {
            Ok(rv) => Ok(environment_from_wire(rv.into_inner().data)),
            Err(e) => Err(into_error(e, OP).await),
        }
    }

    /// The environment whose name (case-insensitively) or slug is `name_or_slug`, if
    /// any: how to get from the name people know to the id keys need. Lists until found.
    pub async fn find(&self, name_or_slug: &str) -> Result<Option<Environment>> {
        let wanted = name_or_slug.trim();
        if wanted.is_empty() {
            return Err(Error::invalid("environment", "name or slug must not be empty"));
        }
        let mut all = self.list(None);
        while let Some(env) = all.try_next().await? {
            if env.slug == wanted || env.name.eq_ignore_ascii_case(wanted) {
                return Ok(Some(env));
            }
        }
        Ok(None)
    }
}

fn environment_from_wire(env: types::Environment) -> Environment {
    let types::Environment { id, attributes: a, .. } = env;
    Environment {
        id: EnvironmentId::from_wire(id),
        name: a.name,
        slug: a.slug,
        description: a.description,
        color: a.color,
        delete_protected: a.settings.and_then(|s| s.delete_protected),
    }
}

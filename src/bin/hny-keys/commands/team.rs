//! `auth` and `environments`, and finding an environment by id, name or slug.

use honeycomb_api_keys::Environment;

use crate::{
    Ctx,
    args::Output,
    json::{AuthOut, EnvironmentOut},
    output::{cell, emit, emit_json, table},
    session::Failure,
};

pub(crate) async fn auth(ctx: &Ctx) -> Result<(), Failure> {
    let me = ctx.client.auth().await?;
    let out = AuthOut {
        key_id: me.key_id,
        name: me.name,
        scopes: me.scopes,
        team_slug: me.team.slug,
        team_name: me.team.name,
    };
    if ctx.output == Output::Json {
        return emit_json(&out);
    }
    let mut t = table(&["key", "name", "team", "scopes"]);
    t.add_row(vec![
        cell(&out.key_id),
        cell(&out.name.unwrap_or_default()),
        cell(&out.team_slug),
        cell(&out.scopes.join(", ")),
    ]);
    emit(&t.to_string())
}

pub(crate) async fn environments(ctx: &Ctx) -> Result<(), Failure> {
    let envs = ctx.client.environments().list().collect().await?;
    let out: Vec<EnvironmentOut> = envs.iter().map(Into::into).collect();
    if ctx.output == Output::Json {
        return emit_json(&out);
    }
    let mut t = table(&["id", "slug", "name", "description"]);
    for e in out {
        t.add_row(vec![cell(&e.id), cell(&e.slug), cell(&e.name), cell(&e.description.unwrap_or_default())]);
    }
    emit(&t.to_string())
}

/// The environment by id (one request), name or slug; if none, the error lists the known
/// ones.
pub(crate) async fn environment(ctx: &Ctx, wanted: &str) -> Result<Environment, Failure> {
    if let Some(env) = ctx.client.environments().find(wanted).await? {
        return Ok(env);
    }
    let envs = ctx.client.environments().list().collect().await?;
    let known: Vec<String> = envs.iter().map(|e| format!("{} ({})", e.name, e.slug)).collect();
    Err(Failure::Runtime(format!("no environment {wanted:?}; the team has: {}", known.join(", "))))
}

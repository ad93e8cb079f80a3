//! `auth` and `environments`, and finding an environment by id, name or slug.

use honeycomb_api_keys::Environment;

use crate::{
    Ctx,
    args::Output,
    output::{cell, emit, emit_json, table},
    session::Failure,
};

pub(crate) async fn auth(ctx: &Ctx) -> Result<(), Failure> {
    let me = ctx.client.auth().await?;
    if ctx.output == Output::Json {
        return emit_json(&me);
    }
    let mut t = table(&["key", "name", "team", "scopes"]);
    t.add_row(vec![
        cell(&me.key_id),
        cell(me.name.as_deref().unwrap_or_default()),
        cell(&me.team.slug),
        cell(&me.scopes.join(", ")),
    ]);
    emit(&t.to_string())
}

pub(crate) async fn environments(ctx: &Ctx) -> Result<(), Failure> {
    let envs = ctx.client.environments().list().collect().await?;
    if ctx.output == Output::Json {
        return emit_json(&envs);
    }
    let mut t = table(&["id", "slug", "name", "description"]);
    for e in &envs {
        t.add_row(vec![
            cell(e.id.as_str()),
            cell(&e.slug),
            cell(&e.name),
            cell(e.description.as_deref().unwrap_or_default()),
        ]);
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

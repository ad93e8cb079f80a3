//! `auth`, `verify` (a data key's identity) and `environments` (list, create, update,
//! delete), and finding an environment by id, name or slug.

use std::io::Read;

use honeycomb_api_keys::{Environment, EnvironmentUpdate, ExposeSecret, NewEnvironment, SecretString, terminal_safe};

use crate::{
    Ctx,
    args::{EnvironmentsCommand, OnOff, Output},
    commands::keys::confirm,
    json::DeletedOut,
    output::{EnvNames, cell, emit, emit_json, table, warn},
    session::{Creating, Failure},
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

/// The most read from stdin for `verify`: a key is under a hundred characters.
const VERIFY_INPUT_LIMIT: u64 = 4096;

/// `verify`: the key from stdin (never an argument, never a terminal, which would show
/// it), its identity as Honeycomb answers; a key Honeycomb refuses is exit 1.
pub(crate) async fn verify(ctx: &Ctx) -> Result<(), Failure> {
    if ctx.stdin_tty {
        return Err(Failure::Usage(
            "verify reads the key from stdin, not a terminal: printf %s \"$KEY\" | hny-keys verify".into(),
        ));
    }
    let mut input = String::new();
    std::io::stdin()
        .take(VERIFY_INPUT_LIMIT)
        .read_to_string(&mut input)
        .map_err(|e| Failure::Usage(format!("could not read the key from stdin: {e}")))?;
    // The read text is kept as a secret (zeroed when dropped), trimmed of the line end.
    let input = SecretString::from(input);
    let key = SecretString::from(input.expose_secret().trim());
    if key.expose_secret().is_empty() {
        return Err(Failure::Usage("stdin held no key".into()));
    }
    let me = match ctx.client.verify_key(&key).await {
        Ok(me) => me,
        Err(e) if e.is_auth() => {
            return Err(Failure::Runtime(format!("Honeycomb refuses this key: {e}")));
        }
        Err(e) => return Err(e.into()),
    };
    if ctx.output == Output::Json {
        return emit_json(&me);
    }
    let granted: Vec<&str> = me.access.iter().filter(|(_, on)| **on).map(|(name, _)| name.as_str()).collect();
    let mut t = table(&["key", "type", "environment", "team", "access"]);
    t.add_row(vec![
        cell(&me.id),
        cell(&me.key_type),
        cell(me.environment_slug.as_deref().filter(|s| !s.is_empty()).unwrap_or("(classic)")),
        cell(me.team_slug.as_deref().unwrap_or_default()),
        cell(&granted.join(", ")),
    ]);
    emit(&t.to_string())
}

pub(crate) async fn environments(ctx: &Ctx, action: Option<EnvironmentsCommand>) -> Result<(), Failure> {
    match action.unwrap_or(EnvironmentsCommand::List) {
        EnvironmentsCommand::List => {}
        EnvironmentsCommand::Create { name, description, color } => {
            // As for keys: an interrupt waits for a create in flight (and prints it), and
            // stops one not sent yet.
            let creating = Creating::Environment(name.clone());
            let mut new = NewEnvironment::new(name);
            if let Some(description) = description {
                new = new.description(description);
            }
            if let Some(color) = color {
                new = new.color(color);
            }
            if !ctx.session.start_create(creating.clone()) {
                return Err(Failure::Runtime("interrupted before the create was sent; nothing was created".into()));
            }
            let created = ctx.client.environments().create(new).await;
            let shown = created.map(|env| show_environments(ctx, std::slice::from_ref(&env), false));
            ctx.session.end_create(&creating);
            return shown.map_err(|e| {
                if e.is_conflict() {
                    Failure::Runtime(format!(
                        "Honeycomb refused: the team already has an environment by that name ({e})"
                    ))
                } else {
                    e.into()
                }
            })?;
        }
        EnvironmentsCommand::Update { environment: wanted, description, color, delete_protection } => {
            let mut update = EnvironmentUpdate::new();
            if let Some(description) = description {
                update = update.description(description);
            }
            if let Some(color) = color {
                update = update.color(color);
            }
            if let Some(on_off) = delete_protection {
                update = update.delete_protected(on_off == OnOff::On);
            }
            if update.is_empty() {
                return Err(Failure::Usage(
                    "nothing to change: give --description, --color or --delete-protection".into(),
                ));
            }
            let env = environment_to_change(ctx, &wanted).await?;
            let env = ctx.client.environments().update(&env.id, update).await?;
            return show_environments(ctx, std::slice::from_ref(&env), false);
        }
        EnvironmentsCommand::Delete { environment: wanted, yes } => return delete(ctx, &wanted, yes).await,
    }
    let envs = ctx.client.environments().list().collect().await?;
    show_environments(ctx, &envs, true)
}

/// Environments as a table, or as JSON: a list when `listing`, else the one environment.
fn show_environments(ctx: &Ctx, envs: &[Environment], listing: bool) -> Result<(), Failure> {
    if ctx.output == Output::Json {
        return if listing { emit_json(&envs) } else { emit_json(&envs[0]) };
    }
    let mut t = table(&["id", "slug", "name", "color", "protected", "description"]);
    for e in envs {
        let protected = match e.delete_protected {
            Some(true) => "yes",
            Some(false) => "no",
            None => "",
        };
        t.add_row(vec![
            cell(e.id.as_str()),
            cell(&e.slug),
            cell(&e.name),
            cell(e.color.as_deref().unwrap_or_default()),
            cell(protected),
            cell(e.description.as_deref().unwrap_or_default()),
        ]);
    }
    emit(&t.to_string())
}

/// Deletes an environment after showing which one and asking; refused before the delete
/// is sent while it is delete-protected (as Honeycomb would refuse it).
async fn delete(ctx: &Ctx, wanted: &str, yes: bool) -> Result<(), Failure> {
    let env = environment_to_change(ctx, wanted).await?;
    let (name, slug, id) = (terminal_safe(&env.name), terminal_safe(&env.slug), terminal_safe(env.id.as_str()));
    let unprotect = format!("hny-keys environments update {id} --delete-protection off");
    if env.delete_protected == Some(true) {
        return Err(Failure::Runtime(format!(
            "environment {name} ({slug}, {id}) is delete-protected; nothing was deleted. Turn protection off first: {unprotect}"
        )));
    }
    confirm(ctx, yes, &format!("delete environment {name} ({slug}, {id}) and everything in it, irreversibly"))?;
    ctx.client.environments().delete(&env.id).await.map_err(|e| {
        if e.is_conflict() {
            Failure::Runtime(format!(
                "Honeycomb refused to delete {name} ({e}); if it is delete-protected: {unprotect}"
            ))
        } else {
            e.into()
        }
    })?;
    if ctx.output == Output::Json {
        return emit_json(&DeletedOut { deleted: env.id.to_string() });
    }
    emit(&format!("deleted environment {name} ({slug}, {id})"))
}

/// The one environment a change or a delete is about: the one whose id is `wanted`, else
/// the only one whose slug or name (without regard to ASCII case) is. A word that names two
/// (one's slug, another's name) is refused, listing them: give the id.
async fn environment_to_change(ctx: &Ctx, wanted: &str) -> Result<Environment, Failure> {
    let envs = ctx.client.environments().list().collect().await?;
    if let Some(env) = envs.iter().find(|e| e.id.as_str() == wanted) {
        return Ok(env.clone());
    }
    let matching: Vec<&Environment> = envs.iter().filter(|e| e.matches(wanted)).collect();
    match matching.as_slice() {
        [one] => Ok((*one).clone()),
        [] => {
            let known: Vec<String> = envs.iter().map(|e| format!("{} ({})", e.name, e.slug)).collect();
            Err(Failure::Runtime(format!("no environment {wanted:?}; the team has: {}", known.join(", "))))
        }
        many => {
            let named: Vec<String> = many.iter().map(|e| format!("{} ({}, {})", e.name, e.slug, e.id)).collect();
            Err(Failure::Runtime(format!(
                "{wanted:?} names {} environments: {}; give the id of the one you mean",
                many.len(),
                named.join(", ")
            )))
        }
    }
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

/// The names of the team's environments, from one listing, to show keys by (a table's
/// environment column, a confirmation). If they cannot be listed, keys show their
/// environment ids and a line on stderr says why.
pub(crate) async fn environment_names(ctx: &Ctx) -> EnvNames {
    match ctx.client.environments().list().collect().await {
        Ok(envs) => EnvNames::of(&envs),
        Err(e) => {
            warn(&format!(
                "warning: the environments could not be listed, so keys show their environment ids ({})",
                terminal_safe(&e.to_string())
            ));
            EnvNames::default()
        }
    }
}

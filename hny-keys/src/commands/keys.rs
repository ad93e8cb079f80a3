//! `list`, `get`, `create`, `update`, `delete`.

use std::io::{BufRead, Write};

use honeycomb_api_keys::{ApiKey, ApiKeyUpdate, Error, KeyId, KeyType, NewApiKey, Permissions, WriteGate, check_name};

use crate::{
    Ctx,
    args::{CreateArgs, Output, PermissionArgs, Preset, TypeArg, UpdateArgs},
    commands::team::{environment, environment_names},
    json::{DeleteLine, DeletedOut, GoneOut, to_json},
    output::{
        EnvNames, cell, check_stdout_keeps_secrets, created_text, emit, emit_json, emit_secret, keys_table,
        progress_bar, show_progress, warn_secret_once,
    },
    session::Failure,
};

pub(crate) async fn list(ctx: &Ctx, key_type: Option<TypeArg>) -> Result<(), Failure> {
    let bar = progress_bar(ctx, "listing keys");
    let mut listing = ctx.client.api_keys().list();
    if let Some(t) = key_type {
        listing = listing.key_type(t.into());
    }
    let mut keys = Vec::new();
    let mut pages = listing.pages();
    while let Some(page) = pages.try_next().await? {
        keys.extend(page.items);
        if let Some(bar) = &bar {
            show_progress(bar, keys.len(), None, "keys read");
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if ctx.output == Output::Json {
        return emit_json(&keys);
    }
    emit(&keys_table(&keys, &environment_names(ctx).await))
}

pub(crate) async fn get(ctx: &Ctx, id: &str) -> Result<(), Failure> {
    let key = ctx.client.api_keys().get(id).await?;
    show_key(ctx, &key).await
}

/// One key: its JSON, or a table that names its environment.
pub(crate) async fn show_key(ctx: &Ctx, key: &ApiKey) -> Result<(), Failure> {
    if ctx.output == Output::Json {
        return emit_json(key);
    }
    emit(&keys_table(std::slice::from_ref(key), &environment_names(ctx).await))
}

/// The permissions `--permission`, `--preset` and `--all-permissions` give new keys of
/// `key_type`, checked before any request: an ingest key can only have `create_datasets`,
/// and a configuration key with none is refused unless `--no-permissions` says so
/// (`no_permissions`: that flag's value, `None` for a command without it).
pub(crate) fn permissions_for(
    key_type: &KeyType,
    access: &PermissionArgs,
    no_permissions: Option<bool>,
) -> Result<Permissions, Failure> {
    let mut permissions: Permissions = access.permissions.iter().copied().collect();
    if let Some(preset) = access.preset {
        permissions.extend(
            match preset {
                Preset::ReadOnlyQuerying => Permissions::read_only_querying(),
                Preset::BoardManagement => Permissions::board_management(),
                Preset::FullConfiguration => Permissions::full_configuration(),
            }
            .iter(),
        );
    }
    if access.all_permissions {
        permissions = Permissions::all();
    }
    permissions.check_for(key_type).map_err(|e| match e {
        Error::InvalidArgument { reason, .. } => {
            Failure::Usage(format!("{reason}: give --type configuration, or leave them out"))
        }
        other => other.into(),
    })?;
    if *key_type == KeyType::Configuration && permissions.is_empty() && no_permissions != Some(true) {
        let or_none = if no_permissions.is_some() { " (or --no-permissions if that is what you want)" } else { "" };
        return Err(Failure::Usage(format!(
            "a configuration key with no permission can do nothing; give --permission, --preset or --all-permissions{or_none}"
        )));
    }
    Ok(permissions)
}

pub(crate) async fn create(ctx: &Ctx, args: CreateArgs) -> Result<(), Failure> {
    // Everything that can be checked is, before the environment is looked up.
    let key_type = KeyType::from(args.key_type);
    check_name(&args.name)?;
    let permissions = permissions_for(&key_type, &args.access, Some(args.no_permissions))?;
    check_stdout_keeps_secrets()?;
    let env = environment(ctx, &args.environment).await?;
    let new = match key_type {
        KeyType::Ingest => NewApiKey::ingest(args.name, &env.id).permissions(permissions),
        _ => NewApiKey::configuration(args.name, &env.id, permissions),
    }
    .disabled(args.disabled);
    let name = new.name().to_string();
    if !ctx.session.before_create(&name) {
        return Err(Failure::Runtime("interrupted before the create was sent; nothing was created".into()));
    }
    let written = ctx.client.api_keys().create(new).await.map(|created| {
        warn_secret_once();
        let envs = EnvNames::of(std::slice::from_ref(&env));
        emit_secret(&ctx.session, &created, &created_text(ctx.output, &created, &envs, |c| to_json(&c)))
    });
    ctx.session.after_create(&name);
    written?.map_err(Failure::Runtime)
}

pub(crate) async fn update(ctx: &Ctx, args: UpdateArgs) -> Result<(), Failure> {
    let mut update = ApiKeyUpdate::new();
    if let Some(name) = args.name {
        update = update.name(name);
    }
    if args.disable {
        update = update.disable();
    }
    if args.enable {
        update = update.enable();
    }
    for p in args.grant {
        update = update.grant(p);
    }
    for p in args.revoke {
        update = update.revoke(p);
    }
    if update.is_empty() {
        return Err(Failure::Usage("nothing to change: give --name, --disable, --enable, --grant or --revoke".into()));
    }
    let key = ctx.client.api_keys().update(&args.id, update).await?;
    show_key(ctx, &key).await
}

/// Asks on a terminal; refuses without `--yes` otherwise (nothing is sent).
pub(crate) fn confirm(ctx: &Ctx, yes: bool, question: &str) -> Result<(), Failure> {
    if yes {
        return Ok(());
    }
    if !ctx.stdin_tty {
        return Err(Failure::Usage(format!("{question}: refused without --yes (stdin is not a terminal)")));
    }
    let mut stderr = std::io::stderr().lock();
    let _ = write!(stderr, "{question}? [y/N] ");
    let _ = stderr.flush();
    drop(stderr);
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if matches!(answer.trim(), "y" | "Y" | "yes") { Ok(()) } else { Err(Failure::Runtime("cancelled".into())) }
}

/// Deletes keys. Every id is checked first (nothing is sent for a bad one), and every key
/// read, so that one confirmation names each key and its environment, and a key that does
/// not exist stops the command before anything is deleted; with `ignore_missing` it is
/// reported as already gone instead (as is a key deleted meanwhile). One line per key.
pub(crate) async fn delete(ctx: &Ctx, ids: &[String], ignore_missing: bool, yes: bool) -> Result<(), Failure> {
    let mut wanted: Vec<KeyId> = Vec::new();
    let mut bad = Vec::new();
    for id in ids {
        match KeyId::parse(id) {
            Ok(id) if wanted.contains(&id) => {}
            Ok(id) => wanted.push(id),
            Err(e) => bad.push(e.to_string()),
        }
    }
    if !bad.is_empty() {
        return Err(Failure::Usage(format!("{}; nothing was deleted", bad.join("; "))));
    }
    let mut found: Vec<(KeyId, Option<ApiKey>)> = Vec::new();
    for id in wanted {
        let key = ctx.client.api_keys().get_opt(&id).await?;
        found.push((id, key));
    }
    let missing: Vec<&str> = found.iter().filter(|(_, key)| key.is_none()).map(|(id, _)| id.as_str()).collect();
    let mut envs = None;
    if !missing.is_empty() {
        // A team that does not exist answers 404 for every key too: it must answer a read
        // before any key counts as missing.
        match ctx.client.environments().list().collect().await {
            Ok(listed) => envs = Some(EnvNames::of(&listed)),
            Err(e) => {
                return Err(Failure::Runtime(format!(
                    "no key {} found, and the team's environments cannot be read either ({e}): check the team; nothing was deleted",
                    missing.join(", ")
                )));
            }
        }
    }
    if !missing.is_empty() && !ignore_missing {
        return Err(Failure::Runtime(format!(
            "no key {}; nothing was deleted (--ignore-missing deletes the others and reports these as already gone)",
            missing.join(", ")
        )));
    }
    let keys: Vec<&ApiKey> = found.iter().filter_map(|(_, key)| key.as_ref()).collect();
    if !yes && !keys.is_empty() {
        let envs = match envs {
            Some(envs) => envs,
            None => environment_names(ctx).await,
        };
        let named: Vec<String> = keys
            .iter()
            .map(|k| {
                format!("{} \"{}\" (environment {})", k.id, cell(&k.name), cell(&envs.name(k.environment_id.as_ref())))
            })
            .collect();
        let question = match named.as_slice() {
            [one] => format!("delete key {one}"),
            many => format!("delete {} keys: {}", many.len(), many.join(", ")),
        };
        confirm(ctx, yes, &question)?;
    }
    let mut closed = false;
    for (n, (id, key)) in found.iter().enumerate() {
        let gone = match key {
            None => true,
            Some(_) => match ctx.client.api_keys().delete(id).await {
                Ok(()) => false,
                Err(e) if e.is_not_found() && ignore_missing => true,
                Err(e) => {
                    let left: Vec<&str> = found[n + 1..].iter().map(|(id, _)| id.as_str()).collect();
                    let left =
                        if left.is_empty() { String::new() } else { format!("; not attempted: {}", left.join(", ")) };
                    return Err(Failure::Runtime(format!("could not delete {id}: {e}{left}")));
                }
            },
        };
        let id = id.to_string();
        let shown = match (ctx.output, gone) {
            (Output::Json, false) => emit_json(&DeleteLine::Deleted(DeletedOut { deleted: id })),
            (Output::Json, true) => emit_json(&DeleteLine::AlreadyGone(GoneOut { already_gone: id })),
            (Output::Table, false) => {
                let name = key.as_ref().map(|k| cell(&k.name)).unwrap_or_default();
                emit(&format!("deleted {id} \"{name}\""))
            }
            (Output::Table, true) => emit(&format!("already gone: {id}")),
        };
        // A reader that went away (`| head -1`) does not stop the deletes confirmed.
        match shown {
            Err(Failure::PipeClosed) => closed = true,
            other => other?,
        }
    }
    if closed { Err(Failure::PipeClosed) } else { Ok(()) }
}

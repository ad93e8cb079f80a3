//! The listing machine: one page after another, following `links.next` (checked to
//! stay on the list), until the end, a page cap, a loop, or an error.

use std::{
    collections::HashSet,
    future::Future,
    hash::{BuildHasher, RandomState},
    num::NonZeroU32,
};

use futures::{
    StreamExt, TryStreamExt,
    stream::{self, BoxStream},
};
use reqwest::Url;

use super::{DEFAULT_PAGE_SIZE, ListOptions, Listed, MAX_EMPTY_PAGES, MAX_PAGE_SIZE, Page, Pages};
use crate::{
    client::Client,
    error::{Error, PaginationFault, Result},
    operation::Operation,
    wire::RawPage,
};

/// Checks a page size: 1 to 100, rejected (not clamped) otherwise.
pub(crate) fn page_size(size: Option<u32>) -> Result<NonZeroU32> {
    let size = size.unwrap_or(DEFAULT_PAGE_SIZE);
    match NonZeroU32::new(size) {
        Some(n) if size <= MAX_PAGE_SIZE => Ok(n),
        _ => {
            Err(Error::invalid("page_size", format!("is {size}; Honeycomb serves pages of 1 to {MAX_PAGE_SIZE} items")))
        }
    }
}

/// Reads the cursor out of a `links.next`, after checking that the link stays on the
/// list it came from.
#[derive(Clone, Debug)]
struct NextLinkGuard {
    base: Url,
    /// The list's path, with the base URL's path prefix (if any).
    path: String,
    /// The list's path as Honeycomb writes it (without a prefix).
    api_path: String,
}

impl NextLinkGuard {
    /// `api_path` is the list's path, such as `/2/teams/my-team/api-keys`.
    fn new(base: &Url, api_path: String) -> Self {
        let prefix = base.path().trim_end_matches('/');
        NextLinkGuard { base: base.clone(), path: format!("{prefix}{api_path}"), api_path }
    }

    /// `Ok(None)` at the end of the list (no link, `null` or empty).
    fn cursor(&self, next_link: Option<&str>) -> Result<Option<String>> {
        let link = match next_link.map(str::trim) {
            None | Some("") => return Ok(None),
            Some(link) => link,
        };
        let refuse = |reason: String| Error::UnsafeNextLink { reason };
        let url = self.base.join(link).map_err(|e| refuse(format!("it is not a URL ({e})")))?;
        if url.scheme() != self.base.scheme()
            || url.host_str() != self.base.host_str()
            || url.port_or_known_default() != self.base.port_or_known_default()
        {
            return Err(refuse(format!(
                "it points to another origin ({}) than the configured endpoint ({})",
                url.origin().ascii_serialization(),
                self.base.origin().ascii_serialization()
            )));
        }
        if url.path() != self.path && url.path() != self.api_path {
            return Err(refuse(format!("it leaves the list: path `{}` instead of `{}`", url.path(), self.path)));
        }
        match url.query_pairs().find(|(k, _)| k == "page[after]") {
            Some((_, cursor)) if !cursor.is_empty() => Ok(Some(cursor.into_owned())),
            _ => Err(refuse("it has no `page[after]` cursor".to_string())),
        }
    }
}

struct State<F> {
    fetch: F,
    guard: NextLinkGuard,
    cursor: Option<String>,
    /// Hashes of the cursors followed and of the items yielded: what a loop is noticed
    /// by, at 8 bytes an entry whatever the server sends.
    hasher: RandomState,
    cursors: HashSet<u64>,
    items: HashSet<u64>,
    pages: usize,
    empty: usize,
    max_pages: Option<usize>,
    page_limit: usize,
    /// The page size asked for: a page with more items is refused.
    size: NonZeroU32,
    finished: bool,
    /// An error found after a good page: yielded after that page.
    pending: Option<Error>,
}

/// A stream of pages: `fetch(cursor)` gets one page (`start` for the first). It ends after the
/// page without a next link, or after `max_pages` pages; it ends with [`Error::PaginationLoop`]
/// after the page whose next link repeats a cursor, the page that repeats an item (that page is
/// cut before the repeat), the [`MAX_EMPTY_PAGES`]th empty page that points further, or at
/// `page_limit` pages with more to go; and with [`Error::UnsafeNextLink`] after a page whose
/// next link leaves the list.
fn pages<T, F, Fut>(
    guard: NextLinkGuard,
    start: Option<String>,
    size: NonZeroU32,
    max_pages: Option<usize>,
    page_limit: usize,
    fetch: F,
) -> BoxStream<'static, Result<Page<T>>>
where
    T: Listed + Send + 'static,
    F: FnMut(Option<String>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<RawPage<T>>> + Send,
{
    let hasher = RandomState::new();
    let state = State {
        fetch,
        guard,
        cursors: start.iter().map(|c| hasher.hash_one(c)).collect(),
        hasher,
        items: HashSet::new(),
        cursor: start,
        pages: 0,
        empty: 0,
        max_pages,
        page_limit,
        size,
        finished: false,
        pending: None,
    };
    stream::try_unfold(state, |mut st| async move {
        if let Some(e) = st.pending.take() {
            return Err(e);
        }
        if st.finished || st.max_pages.is_some_and(|max| st.pages >= max) {
            return Ok(None);
        }
        let mut raw = (st.fetch)(st.cursor.take()).await?;
        st.pages += 1;
        let pages = st.pages;
        let fault = |fault| Some(Error::PaginationLoop { pages, fault });
        if raw.items.len() > st.size.get() as usize {
            st.pending = fault(PaginationFault::OversizedPage { items: raw.items.len(), size: st.size.get() });
            st.finished = true;
            return Ok(Some((Page { items: Vec::new(), next_cursor: None }, st)));
        }
        // Items already yielded mean the server went round again: cut the page there.
        if let Some(repeat) = raw.items.iter().position(|item| !st.items.insert(st.hasher.hash_one(item.listing_id())))
        {
            let id = raw.items[repeat].listing_id().to_string();
            raw.items.truncate(repeat);
            st.pending = fault(PaginationFault::RepeatedItem { id });
            st.finished = true;
            return Ok(Some((Page { items: raw.items, next_cursor: None }, st)));
        }
        let next_cursor = match st.guard.cursor(raw.next_link.as_deref()) {
            Ok(Some(cursor)) => {
                st.empty += usize::from(raw.items.is_empty());
                if !st.cursors.insert(st.hasher.hash_one(&cursor)) {
                    st.pending = fault(PaginationFault::RepeatedCursor);
                    None
                } else if st.empty >= MAX_EMPTY_PAGES {
                    st.pending = fault(PaginationFault::EmptyPages { empty: st.empty });
                    None
                } else if st.pages >= st.page_limit && st.max_pages.is_none_or(|max| max > st.page_limit) {
                    st.pending = fault(PaginationFault::PageLimit { limit: st.page_limit });
                    None
                } else {
                    Some(cursor)
                }
            }
            Ok(None) => None,
            Err(e) => {
                st.pending = Some(e);
                None
            }
        };
        st.finished = next_cursor.is_none();
        st.cursor.clone_from(&next_cursor);
        Ok(Some((Page { items: raw.items, next_cursor }, st)))
    })
    .boxed()
}

/// The pages of a team's list operation `op`: checks the page size, resolves the team
/// once, then calls `fetch(client, team, cursor, page size)` for each page.
pub(crate) fn team_list<T, F, Fut>(
    client: Client,
    team: Option<String>,
    op: Operation,
    options: ListOptions,
    fetch: F,
) -> Pages<T>
where
    T: Listed + Send + 'static,
    F: Fn(Client, String, Option<String>, NonZeroU32) -> Fut + Send + 'static,
    Fut: Future<Output = Result<RawPage<T>>> + Send + 'static,
{
    let size = match page_size(options.page_size) {
        Ok(size) => size,
        Err(e) => return failed(e),
    };
    if options.after.as_deref().is_some_and(str::is_empty) {
        return failed(Error::invalid("after", "a cursor must not be empty"));
    }
    let start = async move {
        let team = client.team_for(team.as_deref()).await?;
        let guard = NextLinkGuard::new(client.endpoint(), op.path().replace("{teamSlug}", &team));
        let page_limit = options.page_limit.unwrap_or(client.page_limit());
        let redactor = client.redactor().clone();
        let fetch = move |cursor| fetch(client.clone(), team.clone(), cursor, size);
        // A refused link or a repeated id quotes the server: hide the secrets in it.
        let listing = pages(guard, options.after, size, options.max_pages, page_limit, fetch);
        Ok::<_, Error>(listing.map_err(move |mut error| {
            error.redact(&redactor);
            error
        }))
    };
    Pages::new(stream::once(start).try_flatten().boxed())
}

/// A listing that fails at once with `error` (bad input found before any request).
pub(crate) fn failed<T: Send + 'static>(error: Error) -> Pages<T> {
    Pages::new(stream::once(async move { Err(error) }).boxed())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard() -> NextLinkGuard {
        NextLinkGuard::new(&Url::parse("https://api.honeycomb.io").unwrap(), "/2/teams/t/api-keys".into())
    }

    #[test]
    fn next_links_give_their_cursor_encoded_or_not() {
        let g = guard();
        assert_eq!(
            g.cursor(Some("/2/teams/t/api-keys?page[after]=abc&page[size]=10")).unwrap().as_deref(),
            Some("abc")
        );
        assert_eq!(
            g.cursor(Some("/2/teams/t/api-keys?page%5Bsize%5D=10&page%5Bafter%5D=a%2Fb")).unwrap().as_deref(),
            Some("a/b")
        );
        assert_eq!(
            g.cursor(Some("https://api.honeycomb.io/2/teams/t/api-keys?page[after]=x")).unwrap().as_deref(),
            Some("x")
        );
        assert_eq!(g.cursor(None).unwrap(), None);
        assert_eq!(g.cursor(Some("")).unwrap(), None);
        assert_eq!(g.cursor(Some("  ")).unwrap(), None);
    }

    #[test]
    fn next_links_elsewhere_are_refused() {
        let g = guard();
        for bad in [
            "https://evil.example/2/teams/t/api-keys?page[after]=x",
            "//evil.example/2/teams/t/api-keys?page[after]=x",
            "http://api.honeycomb.io/2/teams/t/api-keys?page[after]=x",
            "https://api.honeycomb.io:8443/2/teams/t/api-keys?page[after]=x",
            "/2/teams/other/api-keys?page[after]=x",
            "/2/teams/t/api-keys/../../other/api-keys?page[after]=x",
            "/2/teams/t/api-keys?page[size]=10",
            "/2/teams/t/api-keys?page[after]=",
        ] {
            assert!(matches!(g.cursor(Some(bad)), Err(Error::UnsafeNextLink { .. })), "{bad}");
        }
    }

    #[test]
    fn a_base_path_prefix_is_accepted_with_or_without_it() {
        let g = NextLinkGuard::new(&Url::parse("http://proxy.local/honeycomb/").unwrap(), "/2/teams/t/api-keys".into());
        assert_eq!(g.cursor(Some("/honeycomb/2/teams/t/api-keys?page[after]=a")).unwrap().as_deref(), Some("a"));
        assert_eq!(g.cursor(Some("/2/teams/t/api-keys?page[after]=b")).unwrap().as_deref(), Some("b"));
    }

    #[test]
    fn page_sizes_outside_1_to_100_are_rejected() {
        assert_eq!(page_size(None).unwrap().get(), 100);
        assert_eq!(page_size(Some(1)).unwrap().get(), 1);
        for bad in [0, 101, u32::MAX] {
            assert!(matches!(page_size(Some(bad)), Err(Error::InvalidArgument { field: "page_size", .. })));
        }
    }
}

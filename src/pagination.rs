//! Cursor pagination shared by every list: follows `links.next`, guards against loops
//! and links that leave the API, and turns pages into streams.

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

use crate::{
    client::Client,
    error::{Error, PaginationFault, Result},
    operation::Operation,
    wire::RawPage,
};

/// Largest page Honeycomb serves.
pub const MAX_PAGE_SIZE: u32 = 100;
/// Page size this crate asks for when none is set: the largest, so that listing takes as
/// few requests (and as little of the rate limit) as possible. Honeycomb's own default
/// is 20.
pub const DEFAULT_PAGE_SIZE: u32 = MAX_PAGE_SIZE;

/// The number of empty pages that still point further (in a row or not) that ends a
/// listing with [`PaginationFault::EmptyPages`].
pub const MAX_EMPTY_PAGES: usize = 3;

pub use crate::names::DEFAULT_PAGE_LIMIT;

/// What a listing remembers of the items it yielded, to notice one coming twice.
pub(crate) trait Listed {
    /// The item's id.
    fn listing_id(&self) -> &str;
}

/// One page of a list, as Honeycomb returned it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items of this page, in server order.
    pub items: Vec<T>,
    /// The cursor of the next page (pass it to `after` to resume a listing there), or
    /// `None` on the last page, and on a page whose next link was refused (the error
    /// that follows the page says why).
    pub next_cursor: Option<String>,
}

/// The options every list shares: page size, page cap, and where to start.
#[derive(Clone, Debug, Default)]
pub(crate) struct ListOptions {
    pub(crate) page_size: Option<u32>,
    pub(crate) max_pages: Option<usize>,
    pub(crate) page_limit: Option<usize>,
    pub(crate) after: Option<String>,
}

/// The methods every list builder shares, for a builder with an `options: ListOptions`
/// field and a `pages()` method: the paging setters, and the items and collected forms
/// of its stream of `$item`.
macro_rules! list_builder_methods {
    ($item:ty) => {
        /// Items per request, 1 to 100 (default 100). A value outside is rejected with
        /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) before any request.
        pub fn page_size(mut self, size: u32) -> Self {
            self.options.page_size = Some(size);
            self
        }

        /// Stop after this many pages, even if there are more (the stream then ends
        /// without an error; the last page's `next_cursor` says where it stopped).
        pub fn max_pages(mut self, pages: usize) -> Self {
            self.options.max_pages = Some(pages);
            self
        }

        /// The most pages this listing fetches before it ends with
        /// [`Error::PaginationLoop`](crate::Error::PaginationLoop) if there are more
        /// (default [`DEFAULT_PAGE_LIMIT`](crate::pagination::DEFAULT_PAGE_LIMIT)): the
        /// guard against a server that never stops handing out pages. Unlike
        /// [`max_pages`](Self::max_pages), reaching it is an error: the listing is
        /// incomplete.
        pub fn page_limit(mut self, pages: usize) -> Self {
            self.options.page_limit = Some(pages);
            self
        }

        /// Start at the page after `cursor`, a [`Page::next_cursor`](crate::Page::next_cursor)
        /// of an earlier listing.
        pub fn after(mut self, cursor: impl Into<String>) -> Self {
            self.options.after = Some(cursor.into());
            self
        }

        /// The items, one at a time, fetching each page as the stream reaches it.
        pub fn items(self) -> crate::pagination::Items<$item> {
            self.pages().items()
        }

        /// Every item, in one `Vec`.
        pub async fn collect(self) -> crate::Result<Vec<$item>> {
            futures::TryStreamExt::try_collect(self.items()).await
        }
    };
}
pub(crate) use list_builder_methods;

/// The pages of a listing, fetched one at a time as the stream is polled. A
/// [`Stream`](futures::Stream); [`try_next`](Self::try_next) reads it without importing
/// anything.
///
/// ```no_run
/// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
/// let mut pages = client.api_keys().list().pages();
/// while let Some(page) = pages.try_next().await? {
///     println!("{} keys, next cursor {:?}", page.items.len(), page.next_cursor);
/// }
/// # Ok(()) }
/// ```
#[must_use = "a listing does nothing until it is polled"]
pub struct Pages<T>(BoxStream<'static, Result<Page<T>>>);

/// The items of a listing, one at a time, fetching each page as the stream reaches it. A
/// [`Stream`](futures::Stream); [`try_next`](Self::try_next) reads it without importing
/// anything.
///
/// ```no_run
/// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
/// let mut keys = client.api_keys().list().items();
/// while let Some(key) = keys.try_next().await? {
///     println!("{} {}", key.id, key.name);
/// }
/// # Ok(()) }
/// ```
#[must_use = "a listing does nothing until it is polled"]
pub struct Items<T>(BoxStream<'static, Result<T>>);

macro_rules! listing_stream {
    ($name:ident, $item:ty) => {
        impl<T> $name<T> {
            /// The next element, or `None` at the end of the listing.
            ///
            /// # Errors
            ///
            /// The error that ended the listing: what Honeycomb answered, a transport
            /// failure, or [`Error::PaginationLoop`] and [`Error::UnsafeNextLink`] for a
            /// server whose pages do not lead to an end; after an error the stream ends.
            pub async fn try_next(&mut self) -> Result<Option<$item>> {
                TryStreamExt::try_next(&mut self.0).await
            }
        }

        impl<T> futures::Stream for $name<T> {
            type Item = Result<$item>;

            fn poll_next(
                mut self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<Option<Self::Item>> {
                self.0.poll_next_unpin(cx)
            }
        }

        impl<T> std::fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(stringify!($name))
            }
        }
    };
}
listing_stream!(Pages, Page<T>);
listing_stream!(Items, T);

impl<T: Send + 'static> Pages<T> {
    pub(crate) fn new(stream: BoxStream<'static, Result<Page<T>>>) -> Self {
        Pages(stream)
    }

    /// The items of these pages, one by one.
    pub(crate) fn items(self) -> Items<T> {
        Items(self.0.map_ok(|page| stream::iter(page.items.into_iter().map(Ok))).try_flatten().boxed())
    }
}

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

/// A stream of pages: `fetch(cursor)` gets one page (`start` for the first). It ends
/// after the page without a next link, or after `max_pages` pages; it ends with
/// [`Error::PaginationLoop`] after the page whose next link repeats a cursor, the page
/// that repeats an item (that page is cut before the repeat), the
/// [`MAX_EMPTY_PAGES`]th empty page that points further, or at `page_limit` pages
/// with more to go; and with [`Error::UnsafeNextLink`] after a page whose next link
/// leaves the list.
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

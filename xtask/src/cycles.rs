//! The module cycle check: fails when the modules of a crate (the shared crate, `shared/src`)
//! import each other in a cycle.
//!
//! Why: modules in a cycle can only be read, tested, split or moved together. The shared crate is
//! meant to be layered (configuration and errors below the HTTP edge, the store below the flows
//! that use it), and this check keeps it so. It runs as a step of `cargo xtask test` and alone as
//! `cargo xtask cycles`.
//!
//! The rules are kept simple, so that a failure is easy to read and to fix:
//!
//! - **Modules.** Every `.rs` file under the source folder is one module: `lib.rs` is `crate`,
//!   `a/mod.rs` (or `a.rs`) is `crate::a`, `a/b.rs` is `crate::a::b`. Inline `mod x { … }` blocks
//!   belong to their file. A file declared only under `#[cfg(test)]` (`#[cfg(test)] mod x;`, or a
//!   file starting with `#![cfg(test)]`), with everything below it, is test code and left out.
//! - **References.** A file refers into the crate with every path it writes that starts with
//!   `crate::`, `self::`, `super::` or with the name of a child module it declares with `mod x;`
//!   (`items::Store` in `store/mod.rs`): in `use` trees and anywhere in code (expressions, types,
//!   patterns, bounds, and the tokens of macro invocations and definitions, which are scanned for
//!   such paths since syn does not parse them). `self` and `super` are relative to the module the
//!   path is written in: in `a/mod.rs`, `super` is `crate`; in `a/b.rs` it is `crate::a`. Paths
//!   starting with `::` or with another name are outside the crate. Attributes (so doc links) and
//!   visibility restrictions (`pub(crate)`, `pub(in crate::a)`) are not references. Items under
//!   `#[cfg(test)]` are skipped: tests may import anything.
//! - **Resolution.** A path resolves to the file of the deepest module it names
//!   (`crate::store::items::Store` is `store/items.rs`, `crate::store::Store` is `store/mod.rs`,
//!   `crate::App` is `lib.rs`), except that a name the module file imports with a `use` at its top
//!   level is followed to where the import points, as long as that is in the crate: with
//!   `pub use items::Store;` in `store/mod.rs`, `crate::store::Store` resolves to `store/items.rs`,
//!   and with `pub use app::App;` in `lib.rs`, `crate::App` resolves to `app.rs`. Private imports
//!   count too, because descendants see them (`super::Store`). Chains of imports are followed;
//!   glob imports are not, and neither are names imported from other crates (the path stays at the
//!   module that imports them).
//! - **Edges.** Each file has an edge to each file its paths resolve to, except to itself and to
//!   its own descendants: a parent declaring, re-exporting or using its children is structure, not
//!   a dependency (so `lib.rs` has no edges out).
//! - **Cycles.** A cycle is a strongly connected component (Tarjan's algorithm) of more than one
//!   file. Each is printed as its files and, for every edge inside it, the names imported along
//!   the edge: the segment after the last module of each path as written (`*` for a glob).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use proc_macro2::{Spacing, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::punctuated::Punctuated;
use syn::visit::{self, Visit};

/// A module, or a path into the crate, as its segments after `crate`: `[]` is `crate` and
/// `["store", "items"]` is `crate::store::items`.
type Segments = Vec<String>;

/// How many imports one path is followed through. Real re-export chains are one or two long;
/// the bound only stops import loops (which rustc rejects anyway).
const MAX_HOPS: usize = 16;

/// One source file of the crate.
#[derive(Debug, Clone)]
pub struct Source {
    /// The path relative to the source folder, with `/` separators: `store/items.rs`.
    pub rel: String,
    pub text: String,
}

/// An import cycle: a strongly connected component of the module graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle {
    /// Its files (relative paths), sorted.
    pub files: Vec<String>,
    /// The edges between its files, sorted by file.
    pub edges: Vec<Edge>,
}

/// One file's references to another file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    pub from: String,
    pub to: String,
    /// The names imported along the edge, in the order they first appear.
    pub names: Vec<String>,
}

/// Runs the check on the crate sources in `src`, naming files `<shown>/<relative path>`;
/// prints the cycles and fails if there is any.
pub fn check(src: &Path, shown: &str) -> Result<(), String> {
    let sources = read_sources(src)?;
    let graph = Graph::build(&sources).map_err(|e| format!("{shown}/{e}"))?;
    let cycles = graph.cycles();
    if cycles.is_empty() {
        println!("    no import cycles among the {} modules in {shown}", graph.files.len());
        return Ok(());
    }
    for (n, cycle) in cycles.iter().enumerate() {
        let files: Vec<String> = cycle.files.iter().map(|f| format!("{shown}/{f}")).collect();
        println!("    cycle {} of {}: {}", n + 1, cycles.len(), files.join(", "));
        for edge in &cycle.edges {
            println!("        {shown}/{} -> {shown}/{}: {}", edge.from, edge.to, edge.names.join(", "));
        }
    }
    let count = match cycles.len() {
        1 => "1 cycle".to_owned(),
        n => format!("{n} cycles"),
    };
    Err(format!("the modules in {shown} import each other in {count} (see above)"))
}

/// Every `.rs` file under `src`, sorted by path.
fn read_sources(src: &Path) -> Result<Vec<Source>, String> {
    let mut sources = Vec::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
            let path = entry.path();
            let kind = entry.file_type().map_err(|e| format!("{}: {e}", path.display()))?;
            if kind.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path
                    .strip_prefix(src)
                    .ok()
                    .and_then(|rel| rel.components().map(|c| c.as_os_str().to_str()).collect::<Option<Vec<_>>>())
                    .map(|parts| parts.join("/"))
                    .ok_or_else(|| format!("{}: not a UTF-8 path under {}", path.display(), src.display()))?;
                let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                sources.push(Source { rel, text });
            }
        }
    }
    if sources.is_empty() {
        return Err(format!("{}: no .rs files", src.display()));
    }
    sources.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(sources)
}

/// The module a file is: `lib.rs` is `crate`, `a/mod.rs` and `a.rs` are `crate::a`.
fn module_of(rel: &str) -> Segments {
    let stem = rel.strip_suffix(".rs").unwrap_or(rel);
    let mut segments: Segments = stem.split('/').map(str::to_owned).collect();
    if segments == ["lib"] || segments.last().is_some_and(|s| s == "mod") {
        segments.pop();
    }
    segments
}

/// What the check needs of one parsed file.
#[derive(Debug)]
struct File {
    rel: String,
    module: Segments,
    /// The whole file is test code (`#![cfg(test)]`).
    for_tests: bool,
    /// Child modules declared with `#[cfg(test)] mod x;`: test code, left out with their files.
    test_children: Vec<String>,
    /// Names imported by top-level `use` items, and the path in the crate each stands for.
    imports: HashMap<String, Segments>,
    /// Every path into the crate the file writes, made absolute.
    references: Vec<Reference>,
}

#[derive(Debug)]
struct Reference {
    path: Segments,
    /// `use path::*`: the path names the module whose items are imported.
    glob: bool,
}

/// Parses a file and collects its child modules, imports and references.
fn parse(source: &Source) -> Result<File, String> {
    let ast = syn::parse_file(&source.text).map_err(|e| {
        let at = e.span().start();
        format!("{}:{}:{}: {e}", source.rel, at.line, at.column + 1)
    })?;
    let module = module_of(&source.rel);
    let mut children = BTreeSet::new();
    let mut test_children = Vec::new();
    for item in &ast.items {
        if let syn::Item::Mod(declared) = item
            && declared.content.is_none()
        {
            if for_tests_only(&declared.attrs) {
                test_children.push(name(&declared.ident));
            } else {
                children.insert(name(&declared.ident));
            }
        }
    }
    let mut collector = Collector { module: &module, children: &children, inline: Vec::new(), references: Vec::new() };
    let mut imports = HashMap::new();
    for item in &ast.items {
        if let syn::Item::Use(import) = item
            && import.leading_colon.is_none()
            && !for_tests_only(&import.attrs)
        {
            for leaf in use_leaves(&import.tree) {
                if let (Some(bound), Some(target)) = (leaf.bound, collector.absolute(&leaf.path)) {
                    imports.insert(bound, target);
                }
            }
        }
    }
    collector.visit_file(&ast);
    Ok(File {
        rel: source.rel.clone(),
        for_tests: for_tests_only(&ast.attrs),
        test_children,
        imports,
        references: collector.references,
        module,
    })
}

/// An identifier as a name, without `r#`: `mod r#type;` is the file `type.rs`.
fn name(ident: &syn::Ident) -> String {
    ident.unraw().to_string()
}

/// One imported path of a `use` tree.
struct UseLeaf {
    /// The path as written (`super::items::Store`; for a glob, the module's path).
    path: Vec<String>,
    /// The name the import binds: the last segment, the rename, none for `_` and globs.
    bound: Option<String>,
    glob: bool,
}

/// The imported paths of a `use` tree: `a::{b, c::{self, D as E}, f::*}` is `a::b`, `a::c`,
/// `a::c::D` (bound as `E`) and `a::f::*`.
fn use_leaves(tree: &syn::UseTree) -> Vec<UseLeaf> {
    fn walk(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<UseLeaf>) {
        /// `prefix::ident`, or `prefix` itself for `self`.
        fn joined(prefix: &[String], ident: &syn::Ident) -> Vec<String> {
            let mut path = prefix.to_vec();
            if ident != "self" || prefix.is_empty() {
                path.push(name(ident));
            }
            path
        }
        match tree {
            syn::UseTree::Path(step) => {
                prefix.push(name(&step.ident));
                walk(&step.tree, prefix, out);
                prefix.pop();
            }
            syn::UseTree::Name(leaf) => {
                let path = joined(prefix, &leaf.ident);
                out.push(UseLeaf { bound: path.last().cloned(), path, glob: false });
            }
            syn::UseTree::Rename(leaf) => {
                let bound = (leaf.rename != "_").then(|| name(&leaf.rename));
                out.push(UseLeaf { path: joined(prefix, &leaf.ident), bound, glob: false });
            }
            syn::UseTree::Glob(_) => out.push(UseLeaf { path: prefix.clone(), bound: None, glob: true }),
            syn::UseTree::Group(group) => {
                for tree in &group.items {
                    walk(tree, prefix, out);
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(tree, &mut Vec::new(), &mut out);
    out
}

/// Whether attributes make an item exist only in test builds: `#[cfg(test)]`, or a
/// `#[cfg(all(…))]` that requires `test`.
fn for_tests_only(attrs: &[syn::Attribute]) -> bool {
    fn requires_test(meta: &syn::Meta) -> bool {
        match meta {
            syn::Meta::Path(path) => path.is_ident("test"),
            syn::Meta::List(list) if list.path.is_ident("all") => list
                .parse_args_with(Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated)
                .is_ok_and(|all| all.iter().any(requires_test)),
            _ => false,
        }
    }
    attrs.iter().any(|attr| attr.path().is_ident("cfg") && attr.parse_args().is_ok_and(|meta| requires_test(&meta)))
}

fn item_attrs(item: &syn::Item) -> &[syn::Attribute] {
    use syn::Item;
    match item {
        Item::Const(i) => &i.attrs,
        Item::Enum(i) => &i.attrs,
        Item::ExternCrate(i) => &i.attrs,
        Item::Fn(i) => &i.attrs,
        Item::ForeignMod(i) => &i.attrs,
        Item::Impl(i) => &i.attrs,
        Item::Macro(i) => &i.attrs,
        Item::Mod(i) => &i.attrs,
        Item::Static(i) => &i.attrs,
        Item::Struct(i) => &i.attrs,
        Item::Trait(i) => &i.attrs,
        Item::TraitAlias(i) => &i.attrs,
        Item::Type(i) => &i.attrs,
        Item::Union(i) => &i.attrs,
        Item::Use(i) => &i.attrs,
        _ => &[],
    }
}

fn impl_item_attrs(item: &syn::ImplItem) -> &[syn::Attribute] {
    match item {
        syn::ImplItem::Const(i) => &i.attrs,
        syn::ImplItem::Fn(i) => &i.attrs,
        syn::ImplItem::Type(i) => &i.attrs,
        syn::ImplItem::Macro(i) => &i.attrs,
        _ => &[],
    }
}

fn trait_item_attrs(item: &syn::TraitItem) -> &[syn::Attribute] {
    match item {
        syn::TraitItem::Const(i) => &i.attrs,
        syn::TraitItem::Fn(i) => &i.attrs,
        syn::TraitItem::Type(i) => &i.attrs,
        syn::TraitItem::Macro(i) => &i.attrs,
        _ => &[],
    }
}

/// Walks a file's syntax tree, collecting the paths into the crate it writes.
struct Collector<'a> {
    /// The file's module.
    module: &'a [String],
    /// The children it declares with `mod x;`, which paths at its top level may start with.
    children: &'a BTreeSet<String>,
    /// The inline modules (`mod x { … }`) the walk is in, innermost last.
    inline: Vec<String>,
    references: Vec<Reference>,
}

impl Collector<'_> {
    /// The absolute form of a path written in the module being walked, if it points into the
    /// crate.
    fn absolute(&self, path: &[String]) -> Option<Segments> {
        let first = path.first()?;
        match first.as_str() {
            "crate" => Some(path[1..].to_vec()),
            "self" | "super" => {
                let mut base: Segments = self.module.iter().chain(&self.inline).cloned().collect();
                let mut rest = path.strip_prefix(&["self".to_owned()]).unwrap_or(path);
                while let Some((segment, tail)) = rest.split_first()
                    && segment == "super"
                {
                    base.pop()?;
                    rest = tail;
                }
                base.extend_from_slice(rest);
                Some(base)
            }
            child if self.inline.is_empty() && self.children.contains(child) => {
                Some(self.module.iter().chain(path).cloned().collect())
            }
            _ => None,
        }
    }

    fn refer(&mut self, path: &[String], glob: bool) {
        if let Some(path) = self.absolute(path) {
            self.references.push(Reference { path, glob });
        }
    }

    /// Finds paths (`crate::a::B`, `super::c`) in macro tokens, which syn leaves unparsed.
    fn scan_tokens(&mut self, tokens: TokenStream) {
        /// `::` at the end of `tokens`.
        fn ends_with_separator(tokens: &[TokenTree]) -> bool {
            matches!(tokens, [.., TokenTree::Punct(a), TokenTree::Punct(b)]
                if a.as_char() == ':' && a.spacing() == Spacing::Joint && b.as_char() == ':')
        }
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        for (at, token) in tokens.iter().enumerate() {
            match token {
                TokenTree::Group(group) => self.scan_tokens(group.stream()),
                // The start of a path, not a segment in the middle of one.
                TokenTree::Ident(first) if !ends_with_separator(&tokens[..at]) => {
                    let mut path = vec![name(first)];
                    let mut rest = &tokens[at + 1..];
                    while let [TokenTree::Punct(_), TokenTree::Punct(_), TokenTree::Ident(next), ..] = rest
                        && ends_with_separator(&rest[..2])
                    {
                        path.push(name(next));
                        rest = &rest[3..];
                    }
                    // A lone `self` is a receiver and a lone name a variable, not a module path.
                    if path.len() > 1 {
                        self.refer(&path, false);
                    }
                }
                _ => {}
            }
        }
    }
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_attribute(&mut self, _: &'ast syn::Attribute) {}

    fn visit_vis_restricted(&mut self, _: &'ast syn::VisRestricted) {}

    fn visit_item(&mut self, node: &'ast syn::Item) {
        if !for_tests_only(item_attrs(node)) {
            visit::visit_item(self, node);
        }
    }

    fn visit_impl_item(&mut self, node: &'ast syn::ImplItem) {
        if !for_tests_only(impl_item_attrs(node)) {
            visit::visit_impl_item(self, node);
        }
    }

    fn visit_trait_item(&mut self, node: &'ast syn::TraitItem) {
        if !for_tests_only(trait_item_attrs(node)) {
            visit::visit_trait_item(self, node);
        }
    }

    fn visit_local(&mut self, node: &'ast syn::Local) {
        if !for_tests_only(&node.attrs) {
            visit::visit_local(self, node);
        }
    }

    fn visit_stmt_macro(&mut self, node: &'ast syn::StmtMacro) {
        if !for_tests_only(&node.attrs) {
            visit::visit_stmt_macro(self, node);
        }
    }

    fn visit_arm(&mut self, node: &'ast syn::Arm) {
        if !for_tests_only(&node.attrs) {
            visit::visit_arm(self, node);
        }
    }

    fn visit_field(&mut self, node: &'ast syn::Field) {
        if !for_tests_only(&node.attrs) {
            visit::visit_field(self, node);
        }
    }

    fn visit_variant(&mut self, node: &'ast syn::Variant) {
        if !for_tests_only(&node.attrs) {
            visit::visit_variant(self, node);
        }
    }

    fn visit_item_mod(&mut self, node: &'ast syn::ItemMod) {
        // `mod x;` only declares a child, which is structure.
        if node.content.is_some() {
            self.inline.push(name(&node.ident));
            visit::visit_item_mod(self, node);
            self.inline.pop();
        }
    }

    fn visit_item_use(&mut self, node: &'ast syn::ItemUse) {
        if node.leading_colon.is_none() {
            for leaf in use_leaves(&node.tree) {
                self.refer(&leaf.path, leaf.glob);
            }
        }
    }

    fn visit_path(&mut self, node: &'ast syn::Path) {
        if node.leading_colon.is_none() {
            let path: Vec<String> = node.segments.iter().map(|s| name(&s.ident)).collect();
            self.refer(&path, false);
        }
        // Generic arguments hold paths too: `Vec<crate::a::B>`.
        visit::visit_path(self, node);
    }

    fn visit_macro(&mut self, node: &'ast syn::Macro) {
        visit::visit_macro(self, node);
        self.scan_tokens(node.tokens.clone());
    }
}

/// The crate's module graph.
#[derive(Debug)]
pub struct Graph {
    /// The files (without test code), sorted by path.
    files: Vec<File>,
    by_module: HashMap<Segments, usize>,
    /// For each file, the files it refers to and the names it imports from each.
    edges: Vec<BTreeMap<usize, Vec<String>>>,
}

impl Graph {
    /// Parses the sources and resolves their references into edges.
    pub fn build(sources: &[Source]) -> Result<Self, String> {
        let mut files = sources.iter().map(parse).collect::<Result<Vec<_>, _>>()?;
        let test_modules: Vec<Segments> = files
            .iter()
            .flat_map(|f| f.test_children.iter().map(|child| f.module.iter().chain([child]).cloned().collect()))
            .collect();
        files.retain(|f| !f.for_tests && !test_modules.iter().any(|test| f.module.starts_with(test)));
        files.sort_by(|a, b| a.rel.cmp(&b.rel));
        let mut by_module = HashMap::new();
        for (at, file) in files.iter().enumerate() {
            if let Some(other) = by_module.insert(file.module.clone(), at) {
                return Err(format!("{}: the same module as {}", file.rel, files[other].rel));
            }
        }
        let mut graph = Self { edges: vec![BTreeMap::new(); files.len()], files, by_module };
        for from in 0..graph.files.len() {
            let module = &graph.files[from].module;
            for reference in &graph.files[from].references {
                let Some(to) = graph.resolve(&reference.path) else { continue };
                let target = &graph.files[to].module;
                if to == from || target.starts_with(module) {
                    continue;
                }
                let imported = graph.imported_name(reference);
                let names = graph.edges[from].entry(to).or_default();
                if !names.contains(&imported) {
                    names.push(imported);
                }
            }
        }
        Ok(graph)
    }

    /// The deepest module a path passes through: how many segments name it, and its file.
    fn deepest(&self, path: &[String]) -> Option<(usize, usize)> {
        (0..=path.len()).rev().find_map(|depth| self.by_module.get(&path[..depth]).map(|&file| (depth, file)))
    }

    /// The file a path into the crate refers to: its deepest module's, after following the
    /// imports the path goes through.
    fn resolve(&self, path: &[String]) -> Option<usize> {
        let (mut depth, mut file) = self.deepest(path)?;
        let mut path = path.to_vec();
        for _ in 0..MAX_HOPS {
            let Some(target) = path.get(depth).and_then(|next| self.files[file].imports.get(next)) else { break };
            let followed: Segments = target.iter().chain(&path[depth + 1..]).cloned().collect();
            let Some(found) = self.deepest(&followed) else { break };
            (depth, file) = found;
            path = followed;
        }
        Some(file)
    }

    /// The name a reference imports, as written: the segment after its deepest module.
    fn imported_name(&self, reference: &Reference) -> String {
        if reference.glob {
            return "*".into();
        }
        let depth = self.deepest(&reference.path).map_or(0, |(depth, _)| depth);
        reference.path.get(depth).or(reference.path.last()).cloned().unwrap_or_else(|| "crate".into())
    }

    /// The edges among the given files.
    fn edges_among(&self, members: &BTreeSet<usize>) -> Vec<Edge> {
        members
            .iter()
            .flat_map(|&from| {
                self.edges[from].iter().filter(|(to, _)| members.contains(to)).map(move |(&to, names)| Edge {
                    from: self.files[from].rel.clone(),
                    to: self.files[to].rel.clone(),
                    names: names.clone(),
                })
            })
            .collect()
    }

    /// The import cycles, sorted by their first file.
    pub fn cycles(&self) -> Vec<Cycle> {
        let mut tarjan = Tarjan {
            edges: &self.edges,
            index: vec![None; self.files.len()],
            low: vec![0; self.files.len()],
            on_stack: vec![false; self.files.len()],
            stack: Vec::new(),
            next: 0,
            components: Vec::new(),
        };
        for file in 0..self.files.len() {
            if tarjan.index[file].is_none() {
                tarjan.connect(file);
            }
        }
        let mut cycles: Vec<Cycle> = tarjan
            .components
            .into_iter()
            .filter(|component| component.len() > 1)
            .map(|component| {
                let members: BTreeSet<usize> = component.into_iter().collect();
                Cycle {
                    files: members.iter().map(|&f| self.files[f].rel.clone()).collect(),
                    edges: self.edges_among(&members),
                }
            })
            .collect();
        cycles.sort_by(|a, b| a.files.cmp(&b.files));
        cycles
    }
}

/// Tarjan's strongly connected components.
struct Tarjan<'a> {
    edges: &'a [BTreeMap<usize, Vec<String>>],
    /// The order each file was reached in.
    index: Vec<Option<usize>>,
    /// The lowest index reachable from each file through the files on the stack.
    low: Vec<usize>,
    on_stack: Vec<bool>,
    stack: Vec<usize>,
    next: usize,
    components: Vec<Vec<usize>>,
}

impl Tarjan<'_> {
    /// Recursive: its depth is bounded by the number of files, a few hundred at most.
    fn connect(&mut self, file: usize) {
        self.index[file] = Some(self.next);
        self.low[file] = self.next;
        self.next += 1;
        self.stack.push(file);
        self.on_stack[file] = true;
        let edges = self.edges;
        for &to in edges[file].keys() {
            match self.index[to] {
                None => {
                    self.connect(to);
                    self.low[file] = self.low[file].min(self.low[to]);
                }
                Some(index) if self.on_stack[to] => self.low[file] = self.low[file].min(index),
                Some(_) => {}
            }
        }
        if self.index[file] == Some(self.low[file]) {
            let mut component = Vec::new();
            while let Some(member) = self.stack.pop() {
                self.on_stack[member] = false;
                component.push(member);
                if member == file {
                    break;
                }
            }
            self.components.push(component);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(files: &[(&str, &str)]) -> Graph {
        let sources: Vec<Source> =
            files.iter().map(|(rel, text)| Source { rel: (*rel).into(), text: (*text).into() }).collect();
        Graph::build(&sources).expect("the test sources parse")
    }

    /// Every edge, as `from -> to: names`.
    fn edges(graph: &Graph) -> Vec<String> {
        graph
            .edges_among(&(0..graph.files.len()).collect())
            .into_iter()
            .map(|e| format!("{} -> {}: {}", e.from, e.to, e.names.join(", ")))
            .collect()
    }

    #[test]
    fn module_paths_follow_the_file_layout() {
        assert_eq!(module_of("lib.rs"), Vec::<String>::new());
        assert_eq!(module_of("a/mod.rs"), ["a"]);
        assert_eq!(module_of("a.rs"), ["a"]);
        assert_eq!(module_of("a/b.rs"), ["a", "b"]);
    }

    #[test]
    fn super_is_relative_to_the_module_of_the_file() {
        let graph = graph(&[
            ("lib.rs", "pub mod a; pub mod c;"),
            // In a/mod.rs, `super` is the crate root.
            ("a/mod.rs", "pub mod b; use super::c::X; pub fn here() {}"),
            // In a/b.rs, `super` is `crate::a`; `super::super` the crate root.
            ("a/b.rs", "use super::here; fn f() -> super::super::c::Y { todo!() }"),
            ("c.rs", "pub struct X; pub struct Y;"),
        ]);
        assert_eq!(edges(&graph), ["a/b.rs -> a/mod.rs: here", "a/b.rs -> c.rs: Y", "a/mod.rs -> c.rs: X"]);
        assert!(graph.cycles().is_empty());
    }

    #[test]
    fn re_exports_resolve_to_where_the_name_comes_from() {
        let graph = graph(&[
            ("lib.rs", "pub mod app; pub mod store; pub use app::App;"),
            ("app.rs", "pub struct App;"),
            // `items` is a bare path to a declared child.
            ("store/mod.rs", "mod items; pub mod calls; pub use items::{Store, Entity as E}; pub fn key() {}"),
            ("store/items.rs", "pub struct Store; pub trait Entity {}"),
            ("store/calls.rs", "use super::{E, Store}; use crate::App; fn f() { crate::store::key(); }"),
        ]);
        assert_eq!(
            edges(&graph),
            [
                "store/calls.rs -> app.rs: App",
                "store/calls.rs -> store/items.rs: E, Store",
                "store/calls.rs -> store/mod.rs: key"
            ]
        );
    }

    #[test]
    fn a_cycle_is_reported_with_its_files_and_names() {
        let graph = graph(&[
            ("lib.rs", "pub mod a; pub mod b; pub mod c; pub mod d; pub use c::Z;"),
            ("a.rs", "use crate::b::X; pub struct A;"),
            // A path in an expression, and one in a macro's tokens.
            ("b.rs", "pub struct X; fn f() { let _ = crate::Z::new(); } fn g() { println!(\"{}\", crate::c::N); }"),
            ("c.rs", "use super::a::A; pub struct Z; pub const N: u8 = 1;"),
            // Uses the cycle without being in it.
            ("d.rs", "use crate::a::A;"),
        ]);
        assert_eq!(
            graph.cycles(),
            [Cycle {
                files: vec!["a.rs".into(), "b.rs".into(), "c.rs".into()],
                edges: vec![
                    Edge { from: "a.rs".into(), to: "b.rs".into(), names: vec!["X".into()] },
                    Edge { from: "b.rs".into(), to: "c.rs".into(), names: vec!["Z".into(), "N".into()] },
                    Edge { from: "c.rs".into(), to: "a.rs".into(), names: vec!["A".into()] },
                ],
            }]
        );
    }

    #[test]
    fn structure_visibility_and_tests_are_not_dependencies() {
        let graph = graph(&[
            ("lib.rs", "pub mod a; pub mod b; #[cfg(test)] mod testing; pub use a::A;"),
            // A parent using its child; visibility paths; a test module importing anything.
            (
                "a/mod.rs",
                "pub mod inner; pub use inner::A; pub(crate) fn f() {} pub(in crate::a) fn g() {}
                 #[cfg(test)] mod tests { use crate::b::B; }",
            ),
            ("a/inner.rs", "pub struct A; #[cfg(all(test, unix))] fn t() { crate::b::B; }"),
            ("b.rs", "use crate::A; pub struct B;"),
            // Test-only file: left out.
            ("testing.rs", "use crate::b::B; use crate::a::A;"),
        ]);
        assert_eq!(edges(&graph), ["b.rs -> a/inner.rs: A"]);
        assert!(graph.cycles().is_empty());
    }

    #[test]
    fn parse_errors_name_the_file_and_line() {
        let sources = [Source { rel: "lib.rs".into(), text: "pub mod a;\nfn broken( {}".into() }];
        let error = Graph::build(&sources).expect_err("the source does not parse");
        assert!(error.starts_with("lib.rs:2:"), "{error}");
    }
}

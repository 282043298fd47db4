//! The crate's layers, checked from its source: every `crate::`, `super::` and `self::` path in
//! `src/` is resolved to the file that defines it, and the resulting file graph must point
//! down the layers written in `docs/ARCHITECTURE.md` (block `layers`) and hold no cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// A file of `src/` by its module path (`http::console::batches`); the crate root is "".
type Module = String;

/// The layers, highest first, read from the `layers` block of docs/ARCHITECTURE.md: each line is
/// `name: module module …`; a module may import from its own layer and any layer below it.
pub fn layers(architecture: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in architecture.lines() {
        if line.trim() == "```layers" {
            inside = true;
        } else if inside && line.trim() == "```" {
            break;
        } else if inside && let Some((name, modules)) = line.split_once(':') {
            out.push((
                name.trim().to_owned(),
                modules.split_whitespace().map(str::to_owned).collect(),
            ));
        }
    }
    out
}

/// Every file's edges to the other files whose items it names.
pub fn file_graph(src: &Path) -> BTreeMap<Module, BTreeSet<Module>> {
    let mut files = Vec::new();
    collect(src, &mut files);
    let modules: BTreeMap<Module, PathBuf> = files
        .iter()
        .filter_map(|file| module_of(src, file).map(|module| (module, file.clone())))
        .collect();
    let known: BTreeSet<&str> = modules.keys().map(String::as_str).collect();
    let mut parsed = BTreeMap::new();
    for (module, file) in &modules {
        let text = std::fs::read_to_string(file).unwrap();
        let syntax = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let mut paths = Paths {
            scope: split(module),
            aliases: BTreeMap::new(),
            found: Vec::new(),
        };
        paths.visit_file(&syntax);
        parsed.insert(module.clone(), paths);
    }
    let mut graph = BTreeMap::new();
    for (module, paths) in &parsed {
        let edges = paths
            .found
            .iter()
            .filter_map(|path| defining_file(path, &known, &parsed, 0))
            .filter(|target| target != module && !module.is_empty() && !target.is_empty())
            .collect();
        graph.insert(module.clone(), edges);
    }
    graph
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn module_of(src: &Path, file: &Path) -> Option<Module> {
    let relative = file.strip_prefix(src).ok()?.with_extension("");
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    match parts.last().map(String::as_str) {
        Some("main") if parts.len() == 1 => return None,
        Some("lib") if parts.len() == 1 => return Some(String::new()),
        Some("mod") => {
            parts.pop();
        }
        _ => {}
    }
    Some(parts.join("::"))
}

fn split(module: &str) -> Vec<String> {
    module
        .split("::")
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The file that defines what an absolute path names: the longest prefix of the path that is a
/// file, followed through that file's `use` when the next segment is a name it imports (a
/// re-export), so that `domain::Gtin` is `domain::gtin`, not the `domain` that re-exports it.
fn defining_file(
    path: &[String],
    known: &BTreeSet<&str>,
    parsed: &BTreeMap<Module, Paths>,
    depth: usize,
) -> Option<Module> {
    let (n, file) = (1..=path.len())
        .rev()
        .map(|n| (n, path[..n].join("::")))
        .find(|(_, m)| known.contains(m.as_str()))?;
    let imported = path
        .get(n)
        .and_then(|next| parsed.get(&file)?.aliases.get(next));
    match imported {
        Some(target) if depth < 8 && target.len() > 1 => {
            let mut through = target.clone();
            through.extend(path[n + 1..].iter().cloned());
            defining_file(&through, known, parsed, depth + 1).or(Some(file))
        }
        _ => Some(file),
    }
}

/// Collects the absolute form of every path that starts at `crate`, `super` or `self`.
struct Paths {
    /// The module the visitor is in (grows inside inline `mod x { … }`).
    scope: Vec<String>,
    /// Names bound by `use` and by `mod x;`, to their absolute paths.
    aliases: BTreeMap<String, Vec<String>>,
    found: Vec<Vec<String>>,
}

impl Paths {
    fn absolute(&self, segments: &[String]) -> Option<Vec<String>> {
        let mut base = self.scope.clone();
        let mut rest = segments;
        match rest.first().map(String::as_str) {
            Some("crate") => {
                base.clear();
                rest = &rest[1..];
            }
            Some("self") => rest = &rest[1..],
            Some("super") => {
                while rest.first().map(String::as_str) == Some("super") {
                    base.pop()?;
                    rest = &rest[1..];
                }
            }
            Some(first) => {
                base = self.aliases.get(first)?.clone();
                rest = &rest[1..];
            }
            None => return None,
        }
        base.extend(rest.iter().cloned());
        Some(base)
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => self.bind(prefix, &n.ident, &n.ident),
            syn::UseTree::Rename(r) => self.bind(prefix, &r.ident, &r.rename),
            syn::UseTree::Glob(_) => self.record(prefix),
            syn::UseTree::Group(g) => {
                for tree in &g.items {
                    self.use_tree(prefix, tree);
                }
            }
        }
    }

    fn bind(&mut self, prefix: &mut Vec<String>, name: &syn::Ident, alias: &syn::Ident) {
        if name == "self" {
            // `use a::b::{self}` binds `b`.
            if let (Some(path), Some(last)) = (self.absolute(prefix), prefix.last()) {
                self.aliases.insert(last.clone(), path.clone());
                self.found.push(path);
            }
            return;
        }
        prefix.push(name.to_string());
        if let Some(path) = self.absolute(prefix) {
            self.aliases.insert(alias.to_string(), path.clone());
            self.found.push(path);
        }
        prefix.pop();
    }

    fn record(&mut self, segments: &[String]) {
        if let Some(path) = self.absolute(segments) {
            self.found.push(path);
        }
    }
}

impl<'ast> Visit<'ast> for Paths {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.use_tree(&mut Vec::new(), &item.tree);
    }

    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs = match item {
            syn::Item::Mod(i) => &i.attrs,
            syn::Item::Fn(i) => &i.attrs,
            syn::Item::Use(i) => &i.attrs,
            syn::Item::Impl(i) => &i.attrs,
            _ => return syn::visit::visit_item(self, item),
        };
        if !attrs.iter().any(is_cfg_test) {
            syn::visit::visit_item(self, item);
        }
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        let mut path = self.scope.clone();
        path.push(item.ident.to_string());
        self.aliases.insert(item.ident.to_string(), path);
        if item.content.is_none() {
            return;
        }
        self.scope.push(item.ident.to_string());
        syn::visit::visit_item_mod(self, item);
        self.scope.pop();
    }

    /// `pub(super)` names a module, not something used.
    fn visit_visibility(&mut self, _: &'ast syn::Visibility) {}

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.record(&segments);
        syn::visit::visit_path(self, path);
    }
}

/// `#[cfg(test)]`: test code may reach across layers; the rule is for what ships.
fn is_cfg_test(attr: &syn::Attribute) -> bool {
    attr.path().is_ident("cfg")
        && attr
            .parse_args::<syn::Path>()
            .is_ok_and(|p| p.is_ident("test"))
}

/// The strongly connected components of more than one file (Tarjan's algorithm).
pub fn cycles(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct Tarjan<'g> {
        graph: &'g BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'g str, (usize, usize)>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        next: usize,
        out: Vec<Vec<Module>>,
    }
    impl<'g> Tarjan<'g> {
        fn visit(&mut self, node: &'g str) {
            self.index.insert(node, (self.next, self.next));
            self.next += 1;
            self.stack.push(node);
            self.on_stack.insert(node);
            for next in self.graph.get(node).into_iter().flatten() {
                if !self.index.contains_key(next.as_str()) {
                    self.visit(next);
                    let low = self.index[next.as_str()].1;
                    let entry = self.index.get_mut(node).unwrap();
                    entry.1 = entry.1.min(low);
                } else if self.on_stack.contains(next.as_str()) {
                    let seen = self.index[next.as_str()].0;
                    let entry = self.index.get_mut(node).unwrap();
                    entry.1 = entry.1.min(seen);
                }
            }
            let (index, low) = self.index[node];
            if index == low {
                let mut component = Vec::new();
                while let Some(top) = self.stack.pop() {
                    self.on_stack.remove(top);
                    component.push(top.to_owned());
                    if top == node {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.out.push(component);
                }
            }
        }
    }
    let mut tarjan = Tarjan {
        graph,
        index: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for node in graph.keys() {
        if !tarjan.index.contains_key(node.as_str()) {
            tarjan.visit(node);
        }
    }
    tarjan.out
}

/// Imports that point up: `(from, to, from's layer, to's layer)`.
pub fn upward(
    graph: &BTreeMap<Module, BTreeSet<Module>>,
    layers: &[(String, Vec<String>)],
) -> (Vec<String>, Vec<String>) {
    let rank = |module: &str| -> Option<usize> {
        let top = module.split("::").next().unwrap_or_default();
        layers
            .iter()
            .position(|(_, modules)| modules.iter().any(|m| m == top))
    };
    let mut unplaced = BTreeSet::new();
    let mut up = Vec::new();
    for (from, targets) in graph {
        if from.is_empty() {
            continue; // lib.rs declares the modules
        }
        let Some(from_rank) = rank(from) else {
            unplaced.insert(from.clone());
            continue;
        };
        for to in targets {
            match rank(to) {
                None => {
                    unplaced.insert(to.clone());
                }
                Some(to_rank) if to_rank < from_rank => up.push(format!(
                    "{from} ({}) → {to} ({})",
                    layers[from_rank].0, layers[to_rank].0
                )),
                Some(_) => {}
            }
        }
    }
    (up, unplaced.into_iter().collect())
}

#[cfg(test)]
#[test]
fn every_import_in_src_points_down_the_layers_of_the_architecture_and_no_files_import_each_other_in_a_loop()
 {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let architecture = std::fs::read_to_string(root.join("docs/ARCHITECTURE.md")).unwrap();
    let layers = layers(&architecture);
    assert!(
        layers.len() >= 4,
        "docs/ARCHITECTURE.md has no `layers` block"
    );
    let graph = file_graph(&root.join("src"));
    assert!(
        graph.len() > 100,
        "the walk of src/ found {} files",
        graph.len()
    );

    let (up, unplaced) = upward(&graph, &layers);
    assert!(
        unplaced.is_empty(),
        "modules in no layer of docs/ARCHITECTURE.md: {unplaced:?}"
    );
    assert!(
        up.is_empty(),
        "imports that point up a layer:\n{}",
        up.join("\n")
    );
    let cycles = cycles(&graph);
    assert!(
        cycles.is_empty(),
        "files that import each other in a loop:\n{}",
        cycles
            .iter()
            .map(|c| c.join(" ⇄ "))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_layer_check_finds_an_upward_import_and_a_loop_in_a_tree_made_to_have_them() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    let write = |path: &str, text: &str| {
        let file = src.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    };
    write("lib.rs", "pub mod domain;\npub mod services;\n");
    write("domain/mod.rs", "mod a;\nmod b;\npub use a::A;\n");
    // a → b and b → a (through the parent's re-export): a loop; a → services: upward.
    write(
        "domain/a.rs",
        "use super::b::B;\npub struct A(B);\npub fn f() { crate::services::run(); }\n",
    );
    write(
        "domain/b.rs",
        "pub struct B;\nfn g(_: super::A) {}\n#[cfg(test)]\nmod tests { use crate::services::run; }\n",
    );
    write(
        "services/mod.rs",
        "pub fn run() { let _ = crate::domain::A; }\n",
    );
    let layers = layers("```layers\nservices: services\nbase: domain\n```\n");
    let graph = file_graph(src);
    let (up, unplaced) = upward(&graph, &layers);
    assert!(unplaced.is_empty(), "{unplaced:?}");
    assert_eq!(
        up,
        ["domain::a (base) → services (services)"],
        "test code is not counted"
    );
    // a ⇄ b, and a → services → a (the re-export `domain::A` is followed to `domain::a`).
    assert_eq!(cycles(&graph), [vec!["domain::a", "domain::b", "services"]]);
}

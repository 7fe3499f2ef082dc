//! A small element tree over quick-xml events: local names (namespaces dropped), attributes,
//! text. Bank XML files are small (MAX_FILE_BYTES) and read by path, so a tree is simplest.

use quick_xml::events::Event;
use quick_xml::Reader;

/// Deeper nesting than any bank schema is refused (and keeps recursive walks shallow).
pub(crate) const MAX_DEPTH: usize = 64;

#[derive(Debug, Default)]
pub(crate) struct Node {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Node>,
}

impl Node {
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Follows a `/`-separated path of child names.
    pub fn at(&self, path: &str) -> Option<&Node> {
        let mut node = self;
        for part in path.split('/') {
            node = node.child(part)?;
        }
        Some(node)
    }

    /// Trimmed text at `path`, `None` when absent or empty.
    pub fn text_at(&self, path: &str) -> Option<String> {
        let t = self.at(path)?.text.trim();
        if t.is_empty() {
            None
        } else {
            Some(t.to_string())
        }
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every descendant (depth-first) with this name.
    pub fn descendants<'a>(&'a self, name: &str, out: &mut Vec<&'a Node>) {
        for c in &self.children {
            if c.name == name {
                out.push(c);
            }
            c.descendants(name, out);
        }
    }
}

/// Parses `text` into a tree under a synthetic root. Errors carry the byte position.
pub(crate) fn parse(text: &str) -> Result<Node, String> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Node> = vec![Node::default()];
    loop {
        let pos = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| format!("byte {pos}: {e}"))?;
        match event {
            Event::Start(start) => {
                if stack.len() > MAX_DEPTH {
                    return Err(format!(
                        "byte {pos}: elements nested deeper than {MAX_DEPTH}"
                    ));
                }
                let mut node = Node {
                    name: local(start.local_name().as_ref()),
                    ..Node::default()
                };
                for attr in start.attributes().flatten() {
                    let key = local(attr.key.local_name().as_ref());
                    let value = attr
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map(|v| v.into_owned())
                        .unwrap_or_default();
                    node.attrs.push((key, value));
                }
                stack.push(node);
            }
            Event::Empty(start) => {
                let node = Node {
                    name: local(start.local_name().as_ref()),
                    ..Node::default()
                };
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(node);
                }
            }
            Event::End(end) => {
                let name = local(end.local_name().as_ref());
                if stack.len() < 2 {
                    return Err(format!("byte {pos}: closing </{name}> with nothing open"));
                }
                let node = stack.pop().unwrap_or_default();
                if node.name != name {
                    return Err(format!("byte {pos}: </{name}> closes <{}>", node.name));
                }
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(node);
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c),
                    Ok(None) => match &*r {
                        "amp" => Some('&'),
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "quot" => Some('"'),
                        "apos" => Some('\''),
                        _ => None,
                    },
                    Err(_) => None,
                };
                let Some(c) = resolved else {
                    return Err(format!("byte {pos}: unknown entity &{};", &*r));
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push(c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if stack.len() != 1 {
        let open = stack.last().map(|n| n.name.clone()).unwrap_or_default();
        return Err(format!("the file ends inside <{open}>"));
    }
    Ok(stack.pop().unwrap_or_default())
}

fn local(name: &str) -> String {
    name.to_string()
}

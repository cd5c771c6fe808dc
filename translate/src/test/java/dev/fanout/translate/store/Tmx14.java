package dev.fanout.translate.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Checks a TMX file against the structure of TMX 1.4b (tmx14.dtd), without the DTD: nothing is
 * downloaded at test time.
 */
public final class Tmx14 {
  private Tmx14() {}

  /** A parser for the test's own checks of what was written: no DTD either. */
  private static Document dom(String xml) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    return f.newDocumentBuilder()
        .parse(new java.io.ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
  }

  private static List<Element> children(Element e) {
    List<Element> out = new ArrayList<>();
    for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element c) {
        out.add(c);
      } else if (n.getNodeType() == Node.TEXT_NODE) {
        assertTrue(n.getTextContent().isBlank(), "no text in <" + e.getTagName() + ">");
      }
    }
    return out;
  }

  /**
   * The TMX 1.4b structure (tmx14.dtd): {@code tmx (header, body)} with version 1.4; a header with
   * its seven required attributes; {@code body (tu*)}; {@code tu ((note|prop)*, tuv+)}; {@code tuv
   * ((note|prop)*, seg)} with {@code xml:lang}; a seg holds text and inline elements only.
   */
  public static void assertStructure(String xml, String srclang) throws Exception {
    Element tmx = dom(xml).getDocumentElement();
    assertEquals("tmx", tmx.getTagName());
    assertEquals("1.4", tmx.getAttribute("version"));
    List<Element> top = children(tmx);
    assertEquals(List.of("header", "body"), top.stream().map(Element::getTagName).toList());
    Element header = top.get(0);
    for (String required :
        List.of(
            "creationtool",
            "creationtoolversion",
            "segtype",
            "o-tmf",
            "adminlang",
            "srclang",
            "datatype")) {
      assertFalse(header.getAttribute(required).isEmpty(), "header@" + required);
    }
    assertEquals("fanout", header.getAttribute("creationtool"));
    assertEquals("plaintext", header.getAttribute("datatype"));
    assertEquals("paragraph", header.getAttribute("segtype"));
    assertEquals("fanout", header.getAttribute("o-tmf"));
    assertEquals(srclang, header.getAttribute("srclang"));
    assertTrue(header.getAttribute("creationdate").matches("\\d{8}T\\d{6}Z"));
    for (Element tu : children(top.get(1))) {
      assertEquals("tu", tu.getTagName());
      List<Element> parts = children(tu);
      int firstTuv = 0;
      while (firstTuv < parts.size() && !parts.get(firstTuv).getTagName().equals("tuv")) {
        assertTrue(Set.of("prop", "note").contains(parts.get(firstTuv).getTagName()));
        firstTuv++;
      }
      List<Element> tuvs = parts.subList(firstTuv, parts.size());
      assertEquals(2, tuvs.size(), "a source and a target");
      Set<String> langs = new HashSet<>();
      for (Element tuv : tuvs) {
        assertEquals("tuv", tuv.getTagName());
        String lang = tuv.getAttributeNS(XMLConstants.XML_NS_URI, "lang");
        assertTrue(langs.add(lang), "one tuv per language: " + lang);
        List<Element> seg = children(tuv);
        assertEquals(1, seg.size());
        assertEquals("seg", seg.get(0).getTagName());
        NodeList inline = seg.get(0).getElementsByTagName("*");
        for (int i = 0; i < inline.getLength(); i++) {
          assertTrue(
              Set.of("bpt", "ept", "ph", "it", "hi", "ut")
                  .contains(((Element) inline.item(i)).getTagName()));
        }
      }
      assertTrue(langs.contains(srclang), "the source language in every tu");
    }
  }
}

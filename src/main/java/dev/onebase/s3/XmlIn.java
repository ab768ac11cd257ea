package dev.onebase.s3;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;

/** Reads the small XML bodies S3 requests carry (DeleteObjects, CompleteMultipartUpload, CORS), with no DTDs or entities. */
final class XmlIn {

    static final int MAX_BODY = 2 * 1024 * 1024;

    private XmlIn() {
    }

    static Uni<Element> read(Multi<Buffer> body) {
        return body.collect().in(Buffer::buffer, (acc, b) -> {
            if (acc.length() + b.length() > MAX_BODY) {
                throw new S3Error(400, "MalformedXML", "The XML you provided is larger than " + MAX_BODY + " bytes");
            }
            acc.appendBuffer(b);
        }).map(XmlIn::parse);
    }

    static Element parse(Buffer xml) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setExpandEntityReferences(false);
            f.setNamespaceAware(false);
            Document d = f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes()));
            return d.getDocumentElement();
        } catch (Exception e) {
            throw new S3Error(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema");
        }
    }

    static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && local(e).equals(name)) {
                out.add(e);
            }
        }
        return out;
    }

    static String text(Element parent, String name) {
        List<Element> c = children(parent, name);
        return c.isEmpty() ? null : c.get(0).getTextContent().trim();
    }

    static String local(Element e) {
        String n = e.getTagName();
        int colon = n.indexOf(':');
        return colon < 0 ? n : n.substring(colon + 1);
    }
}

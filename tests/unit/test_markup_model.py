"""The debug-mode content model (model_xhtml1.py) must say what the W3C DTD says."""
import pytest

from pycopia_www.markup import model_html5, model_xhtml1
from pycopia_www.markup.validate import xhtml1_strict_dtd

DTD = {element.name: element for element in xhtml1_strict_dtd().iterelements()}


def dtd_children(content, found):
    if content is None:
        return found
    if content.type == "pcdata":
        found.add(model_xhtml1.TEXT)
    elif content.type == "element":
        found.add(content.name)
    dtd_children(content.left, found)
    dtd_children(content.right, found)
    return found


def dtd_attributes(element):
    return {(f"{attribute.prefix}:" if attribute.prefix else "") + attribute.name: attribute
            for attribute in element.iterattributes()}


def test_model_knows_exactly_the_dtds_elements():
    assert set(model_xhtml1.CHILDREN) == set(DTD)
    assert set(model_xhtml1.ATTRIBUTES) == set(DTD)


@pytest.mark.parametrize("name", sorted(DTD))
def test_children_match_the_dtd(name):
    assert model_xhtml1.CHILDREN[name] == dtd_children(DTD[name].content, set())


@pytest.mark.parametrize("name", sorted(DTD))
def test_attributes_match_the_dtd(name):
    assert set(model_xhtml1.ATTRIBUTES[name]) == set(dtd_attributes(DTD[name]))


@pytest.mark.parametrize("name", sorted(DTD))
def test_required_attributes_match_the_dtd(name):
    required = {key for key, attribute in dtd_attributes(DTD[name]).items()
                if attribute.default == "required"}
    assert set(model_xhtml1.REQUIRED_ATTRIBUTES.get(name, ())) == required


def test_enumerated_values_match_the_dtd():
    for (element, attribute), values in model_xhtml1.ENUMERATED.items():
        assert set(dtd_attributes(DTD[element])[attribute].values()) == values


def test_required_children_are_plus_or_required_in_the_dtd():
    # every element listed must have a DTD content model that is not satisfied when empty
    for name, needed in model_xhtml1.REQUIRED_CHILDREN.items():
        content = DTD[name].content
        assert DTD[name].type == "element", name
        assert set(needed) <= dtd_children(content, set()), name


def test_html5_model_is_closed_over_its_own_elements():
    # every element that may appear as a child is itself described
    mentioned = set().union(*model_html5.CHILDREN.values()) - {model_html5.TEXT}
    assert mentioned <= set(model_html5.CHILDREN)
    assert set(model_html5.ATTRIBUTES) == set(model_html5.CHILDREN)

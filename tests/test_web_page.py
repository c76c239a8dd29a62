"""The page `ganwen serve` shows at /, in a real headless browser: Debian's Chromium driven by
Selenium through Debian's ChromeDriver (.ci/run installs both). A question typed in the box
gets its answer, marked in its passage, with its source; a traditional one in traditional
script; a follow-up is read against the page's conversation. A screenshot of each is saved."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.http_server import served

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
WAIT_S = 20

pytestmark = pytest.mark.skipif(
    not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)),
    reason="no Chromium and ChromeDriver (Debian: apt-get install chromium chromium-driver; "
           ".ci/run installs them)")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not look for drivers online
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tmp_path_factory.mktemp("chromium-profile")
    # Headless, as root in a container, and quiet: with no background networking Chromium makes
    # no connection but to the page's server on 127.0.0.1.
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic", "--no-first-run",
                 "--window-size=1000,1200", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def page(engine):
    with served(engine) as url:
        yield url + "/"


def ask(browser, question: str):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    box = browser.find_element(By.ID, "q")
    box.clear()
    box.send_keys(question)
    before = browser.find_element(By.ID, "answer").text
    browser.find_element(By.ID, "go").click()
    wait = WebDriverWait(browser, WAIT_S)
    wait.until(ec.visibility_of_element_located((By.ID, "result")))
    wait.until(lambda b: b.find_element(By.ID, "answer").text != before
               or b.find_element(By.ID, "interpreted").text)
    return lambda element: browser.find_element(By.ID, element).text


def screenshot(browser, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    browser.save_screenshot(str(path))
    print(f"screenshot: {path}")  # shown in the test output (-rP, or when the test fails)
    return path


def test_the_page_answers_a_question_with_its_source(browser, page, tmp_path):
    from selenium.webdriver.common.by import By

    browser.get(page)
    assert browser.title == "赣问"
    text = ask(browser, "南康2020年投资完成多少")
    assert text("answer") == "509.69亿元"
    assert browser.find_element(By.CSS_SELECTOR, "#passage mark").text == "509.69亿元"
    assert "完成年度投资509.69亿元" in text("passage")
    assert text("source").startswith("六大攻坚战综合评分 南康区再获赣州市第一 · 来源不详")
    assert text("related-title") == "相关段落"
    assert browser.find_elements(By.CSS_SELECTOR, "#related li")
    assert screenshot(browser, tmp_path, "answer").stat().st_size > 10_000


def test_the_page_answers_in_the_questions_script_and_follows_up(browser, page, tmp_path):
    browser.get(page)
    text = ask(browser, "南康2020年投資完成多少")
    assert text("answer") == "509.69億元" and "來源不詳" in text("source")
    assert text("related-title") == "相關段落" and text("go") == "提問"
    assert text("lead").startswith("江西區域經濟新聞問答")
    ask(browser, "南昌经开区今年开工改造了几个老旧小区")
    text = ask(browser, "那萍乡呢")
    assert text("interpreted") == "按“萍乡今年开工改造了几个老旧小区”理解"
    assert text("answer") == "216个"
    screenshot(browser, tmp_path, "follow-up")


def test_the_page_says_what_is_wrong_in_chinese(browser, page):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(page)
    box = browser.find_element(By.ID, "q")
    browser.execute_script("arguments[0].removeAttribute('maxlength')", box)
    box.send_keys("问" * 501)
    browser.find_element(By.ID, "go").click()
    error = WebDriverWait(browser, WAIT_S).until(
        lambda b: b.find_element(By.ID, "error").text or None)
    assert error.startswith("问题太长了(501个字)")
    assert not browser.find_element(By.ID, "result").is_displayed()


def test_the_page_says_an_answer_lacks_a_shard(browser, tmp_path):
    """A sharded index whose shard does not answer: the answer from the others, and a line
    saying so in the question's script; none when every shard answers."""
    from retrieval.engine import Engine
    from retrieval.sharded import ShardedIndex
    from tests.helpers import SEEDS
    from tests.test_sharded import SHARDS, _Silent

    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    whole = Engine.open(corpus, notice=lambda _: None, shards=SHARDS)
    full = whole.ask("南康2020年投资完成多少")
    index = whole.index
    holder = index.shard_of_doc(next(d for d, _ in index.top(["南康", "投资"], 20)
                                     if index.passage(d).id == full.answer.passage_id))
    shards = [s if i == holder else _Silent() for i, s in enumerate(index.shards)]
    less = Engine(ShardedIndex(index.folder, shards, whole.res), whole.res, corpus)
    with served(less) as url:
        browser.get(url + "/")
        text = ask(browser, "南康2020年投資完成多少")
        assert text("answer") == "509.69億元"
        assert text("partial").startswith("部分索引分片暫時沒有響應")
        screenshot(browser, tmp_path, "partial")
    with served(whole) as url:
        browser.get(url + "/")
        text = ask(browser, "南康2020年投资完成多少")
        assert text("answer") == "509.69亿元" and not text("partial")

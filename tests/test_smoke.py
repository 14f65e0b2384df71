from bot.app import App
from bot.console_adapter.chat import console_context


async def test_recommend_miracle_lists_what_fans_expect(app: App) -> None:
    reply = await app.dispatcher.handle(console_context("ana"), "/recommend Miracle in Cell No. 7")
    names = [item.text for item in reply.items]
    assert not reply.is_error
    assert any(n.startswith("Prison Playbook (2017)") for n in names)
    assert any(n.startswith("I Am Sam (2001)") for n in names)

"""ClientsMerged: merged accounts become aliases of the surviving login."""

from __future__ import annotations

import pytest

from frontdesk_contracts import ClientImported, ClientsMerged, new_event

pytestmark = pytest.mark.integration


async def test_a_merge_makes_the_record_an_alias_and_kills_its_links(
    service, keys, events, publish, steps
):
    await publish(
        new_event(
            ClientImported(
                studio_id="studio-1",
                external_client_id="x",
                given_name="Lin",
                emails=["lin@example.com"],
            )
        )
    )
    [imported] = await events.wait("AccountImported")
    old_id = imported.payload.account_id
    # An outstanding welcome link on the record that is about to be merged away.
    await service.http.post(
        f"/v1/admin/studios/studio-1/clients/{old_id}/welcome-email",
        json={"email": "lin@example.com"},
        headers=keys.admin.identity(),
    )
    [welcome] = await events.wait("WelcomeEmailRequested")
    survivor = await steps.client_with_login(
        service, keys, events, username="lin", email="lin.new@example.com"
    )

    merge = new_event(
        ClientsMerged(
            proposal_id="p-1",
            surviving_account_id=survivor,
            merged_account_ids=[old_id],
            studio_id="studio-1",
            client_record_id="r-1",
            merged_by=survivor,
            merged_by_role="client",
        )
    )
    await publish(merge)
    await publish(merge)  # redelivered: handled once
    [merged] = await events.wait("AccountsMerged")
    assert merged.payload.account_id == survivor
    assert merged.payload.merged_account_ids == [old_id]
    assert merged.payload.email == "lin.new@example.com"
    assert merged.causation_id == str(merge.id)

    url, token = steps.link_of(keys, welcome.payload, "create_login_token")
    assert (await service.http.get(url)).status_code == 410
    form = {"token": token, "username": "other", "password": "a long enough phrase"}
    assert (await service.http.post("/links/create-login", data=form)).status_code == 410

    view = await service.http.get(
        f"/v1/admin/studios/studio-1/clients/{old_id}/access", headers=keys.admin.identity()
    )
    assert view.status_code == 200
    assert view.json()["merged_into"] == survivor
    assert view.json()["emails"] == ["lin.new@example.com"]
    await events.settle(1.0)
    assert events.types().count("AccountsMerged") == 1


async def test_a_merge_into_an_unknown_account_is_dead_lettered(
    service, publish, read_topic, topic_namespace
):
    await publish(
        new_event(
            ClientsMerged(
                proposal_id="p-1",
                surviving_account_id="nobody",
                merged_account_ids=["also-nobody"],
                studio_id="studio-1",
                client_record_id="r-1",
                merged_by="nobody",
                merged_by_role="client",
            )
        )
    )
    [letter] = await read_topic(topic_namespace + "frontdesk-identity.dlq", expected=1)
    assert "nobody" in dict(letter.headers)["dlq_reason"].decode()

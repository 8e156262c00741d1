/** @odoo-module **/

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("reverse_logistics_return_credits_dashboard", {
    url: "/odoo/accounting",
    steps: () => [
        {
            content: "The sales journal's card counts the return credit notes drafted by hand without a link",
            trigger: ".o_kanban_record a[name='action_open_return_credits']:contains('Unlinked Credit Notes')",
            run: "click",
        },
        {
            content: "Return Credits opens on that filter",
            trigger: ".o_searchview_facet:contains('Unlinked Credit Note')",
        },
        {
            content: "The demo return credited by hand is the row to explain",
            trigger: ".o_list_view .o_data_row td:contains('Wrong item'), .o_list_view .o_data_row:contains('[IB-LAMP]')",
        },
        {
            content: "The credit made by hand counts: its status says it is credited, not to credit again",
            trigger: ".o_list_view .o_data_row .o_field_badge:contains('Credited')",
        },
    ],
});

/** @odoo-module **/

import { registry } from "@web/core/registry";

const chairRow = "tr.o_portal_return_candidate:contains('Portal chair')";

registry.category("web_tour.tours").add("reverse_logistics_portal_return_request", {
    url: "/my/returns/new",
    steps: () => [
        {
            content: "The delivered chair is offered for return: return one",
            trigger: `${chairRow} input[name^='qty_']`,
            run: "edit 1",
        },
        {
            content: "Say why",
            trigger: `${chairRow} select[name^='reason_']`,
            run: "selectByLabel Defective or damaged",
        },
        {
            content: "Ask for a refund",
            trigger: "select[name='outcome']",
            run: "select refund",
        },
        {
            content: "Add a comment",
            trigger: "textarea[name='comment']",
            run: "edit Wobbly leg",
        },
        {
            content: "Request the return",
            trigger: "button[name='submit_return']",
            run: "click",
        },
        {
            content: "The return page confirms the request",
            trigger: ".o_portal_return_detail .alert-success:contains('was sent')",
        },
        {
            content: "The requested chair is on the return",
            trigger: ".o_portal_return_lines td:contains('Portal chair')",
        },
        {
            content: "Go to the list of returns",
            trigger: ".breadcrumb a[href='/my/returns']",
            run: "click",
        },
        {
            content: "The return is listed",
            trigger: "tr.o_portal_return_row:contains('RMA/')",
        },
    ],
});

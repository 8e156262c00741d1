/** @odoo-module **/

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("reverse_logistics_portal_return_request", {
    url: "/my/returns/new",
    steps: () => [
        {
            content: "The delivered product is offered for return",
            trigger: "tr.o_portal_return_candidate:contains('Portal chair') input[name^='qty_']",
            run: "edit 1",
        },
        {
            content: "Say why",
            trigger: "textarea[name='comment']",
            run: "edit Wobbly leg",
        },
        {
            content: "Request the return",
            trigger: "button[name='submit_return']",
            run: "click",
        },
        {
            content: "The return is confirmed on its page",
            trigger: ".o_portal_return_detail .alert-success:contains('was sent')",
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

/** @odoo-module **/

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("reverse_logistics_resale_listing", {
    steps: () => [
        {
            content: "The draft unit waits in the Draft column of the listings kanban",
            trigger: ".o_kanban_group:contains('Draft') .o_kanban_record:contains('SN-0')",
            run: "click",
        },
        {
            content: "Its form suggests a price from the grade and the cost",
            trigger: ".o_form_view button[name='action_use_suggested_price']",
            run: "click",
        },
        {
            content: "The price is set",
            trigger: ".o_form_view .o_field_widget[name='price']:not(:contains('0.00'))",
        },
        {
            content: "Publish it",
            trigger: ".o_form_view button[name='action_publish']",
            run: "click",
        },
        {
            content: "The listing is published",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Published')",
        },
    ],
});

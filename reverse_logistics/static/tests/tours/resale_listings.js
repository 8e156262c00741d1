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
        {
            content: "Back to the kanban",
            trigger: ".o_breadcrumb .breadcrumb-item.o_back_button",
            run: "click",
        },
        {
            content: "Its card shows the price and, apart from it, the days listed; Delisted is the last column",
            trigger: ".o_kanban_group:contains('Published') .o_kanban_record:contains('SN-0') footer .badge",
            run() {
                const footer = this.anchor.closest("footer");
                const price = footer.firstElementChild.getBoundingClientRect();
                const badge = this.anchor.getBoundingClientRect();
                if (!price.width || price.right > badge.left) {
                    throw new Error(`the days listed cover the price (${price.right} > ${badge.left})`);
                }
                const titles = [...document.querySelectorAll(".o_kanban_group .o_column_title")];
                const last = titles.at(-1)?.textContent || "";
                if (!last.includes("Delisted")) {
                    throw new Error(`the last column is ${last}, not Delisted`);
                }
            },
        },
    ],
});

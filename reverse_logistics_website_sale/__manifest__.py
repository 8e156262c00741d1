{
    "name": "Reverse Logistics: Refurbished Units in the Web Shop",
    "summary": "Graded and refurbished units listed on the web shop channel sold in the eCommerce, unit by unit",
    "version": "18.0.1.0.0",
    "category": "Website/Website",
    "website": "https://github.com/reverse-logistics/reverse_logistics",
    "author": "Reverse Logistics Contributors",
    "license": "LGPL-3",
    "depends": ["reverse_logistics", "website_sale"],
    "data": [
        "views/website_templates.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "reverse_logistics_website_sale/static/tests/tours/*.js",
        ],
    },
    "auto_install": True,
}
